// Package inputs fetches a job's inputs on the provider (SPEC section 4:
// inputs are a URI plus a SHA-256, fetched by the daemon and mounted
// read-only) and refuses to start a job whose inputs do not match.
//
//	      https/http ──(dial-time address check)──┐
//	ipfs://CID/path ──> IPFSGateway/ipfs/CID/path ─┼─> CacheDir/tmp/fetch-* ──sha256 ok──> CacheDir/sha256/<hex> ──link/copy──> dst/<name>
//	file:///path ─────(inside FileRoots only)──────┘        (hashed while written)              (0444, renamed)               (0444)
//
// What it owns:
//   - CacheDir: a content-addressed cache. CacheDir/sha256/<hex> holds a
//     file whose SHA-256 is <hex>; it only ever gets there by a rename after
//     the hash was checked, so a cache hit is trusted without hashing again.
//     CacheDir/tmp holds downloads in progress; leftovers older than a day
//     are removed by New. Nothing else may write under CacheDir.
//   - In dst (the job's input directory, mounted read-only at
//     GPUNET_INPUT_DIR): the files named by Input.FileName, and hidden
//     temporary names ".gpunet-*.tmp" while a file is placed. Those files
//     are hard links to the cache where the file system allows: they must
//     only ever be read (mount dst read-only), or the cache is corrupted.
//
// What it must not touch: any other file of the provider. file:// inputs
// are read only from Config.FileRoots (empty: never), after resolving
// symlinks, so a job cannot name the provider's keys or configuration; and
// http(s) connections to loopback, private, link-local, unspecified or
// multicast addresses are refused when they are dialled (so DNS tricks and
// redirects are caught too) unless Config.AllowPrivateNetworks is set, so a
// job cannot reach cloud metadata services or the node's own API. The IPFS
// gateway is configured by the operator and is exempt from that check; it
// may redirect only within its own host.
//
// Vocabulary:
//   - share: the bytes an input may still take, maxBytes (the spec's
//     disk_mib) less what the inputs before it took; a download is cut off
//     as soon as it exceeds its share.
//   - cache hit: CacheDir/sha256/<hex> already exists; it is placed in dst
//     without any network access.
package inputs
