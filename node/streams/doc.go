// Package streams owns gpunet's two libp2p stream protocols: their wire
// format, the provider's Server and the requesters' FetchCheckpoint and
// ReadLogs. It is handed what it serves (Checkpoints, Logs, JobClients) and
// what it writes (FetchCheckpoint's dst); it does not talk to the chain,
// run jobs or touch any other file.
//
//   - /gpunet/checkpoint/1: one chunk of one committed checkpoint, with its
//     Merkle proof (runtime/commit), to anyone: verifiers must be able to
//     fetch checkpoints, and a provider that does not serve one is treated
//     as a fraud (SPEC section 5).
//   - /gpunet/logs/1: a job's output, to the job's client only, proven by a
//     request signed with the client's chain key.
//
// # Framing
//
// Every message is one frame: a uvarint (minimal, as go-msgio reads it)
// length, then that many bytes. Limits are checked from the length, before
// the body is read: requests MaxRequestBytes (4 KiB), chunk responses
// MaxChunkFrameBytes (1 MiB + 16 KiB), logs frames MaxLogFrameBytes (64 KiB).
// Integers are big-endian. Encodings are canonical (fixed widths, no
// optional fields, no trailing bytes), so a decoded message re-encodes to
// the same bytes.
//
// A response frame starts with a type byte. 0x00 is success; 0x01..0x05 is
// an error frame, whose byte is the Status:
//
//	u8 status (1 bad request, 2 not found, 3 forbidden, 4 unavailable, 5 internal)
//	u16 len | message (UTF-8, at most 512 bytes, names the field or check that failed)
//
// The server sends an error frame and closes the stream for anything it
// refuses, an oversized or malformed request included; the client returns it
// as a *RemoteError that matches the status's sentinel (ErrNotFound, ...).
//
// # /gpunet/checkpoint/1
//
// One request and one response per stream; the requester half-closes after
// its request, the server after its response.
//
//	request:  u8 version (1) | u64 job ID | i64 step (>= 0) | u64 chunk index (< 2^32)
//	response: u8 0x00 | u64 chunk count | 32 leaf hash | u8 n (<= 64) | n * 32 aunts
//	          | u32 len | chunk (<= 1 MiB)
//
// The proof is CometBFT's merkle.Proof of runtime/commit: leaf hash and
// aunts from the leaf's sibling up. The server hashes a checkpoint once
// (cached by job, step, root, size and mtime; at most two at a time) to
// build proofs, and refuses to serve a file whose root is not the committed
// one. It reserves the chunk buffer from the stream's resource scope.
//
// FetchCheckpoint asks for chunk 0, learns the count, then fetches the rest
// with up to 4 streams in flight, verifying each chunk with
// commit.VerifyChunk against the root from the chain. A single chunk is
// bound to the root only under the right count (the count is not in the
// root: a right-hand chunk can pass as a chunk of a smaller tree), which is
// why VerifyChunk takes the count from the chain. FetchCheckpoint binds it
// either way: WithChunkCount pins the chain's count; without it every chunk
// 0..n-1 must verify under the same n, and under collision resistance only
// the true n and the true chunks can (leaves and inner nodes are hashed with
// different prefixes, so a wrong tree shape puts a leaf where the true tree
// has an inner node, or the reverse). The file is written to a temporary
// beside dst, fsynced, and renamed into place only when all chunks verified.
//
// # /gpunet/logs/1
//
//	request:  payload | 33 pubkey | 64 signature
//	payload:  u8 version (1) | u64 job ID | u8 len | provider peer ID | i64 expiry (unix s) | u8 follow (0/1)
//	signed:   SHA-256 ECDSA (secp256k1, low S, R || S) over "gpunet/logs/1\x00" || payload
//	response: u8 0x00 (accepted), then frames u8 0x10 | data (1..64 KiB-1), ...,
//	          then u8 0x11 (end); an error frame may replace any of them
//
// The signature covers every field but the key, which ReadLogs learns only
// from the Signer's answer: the key cannot be swapped anyway, since the
// signature must verify under it and its address must be the job's client.
// The server checks, in order, and refuses with the first failure:
//
//	check                                                status
//	frame > 4 KiB, or not a canonical request            bad request
//	provider peer ID is not this host's                  forbidden (no replay to another provider)
//	expiry <= now, or > now + 5 min (injected clock)     forbidden
//	signature does not verify under the pubkey           forbidden
//	JobClients: no such job                              not found
//	sdk.AccAddress(pubkey.Address()) != the job's client forbidden
//	Logs: no logs                                        not found
//
// Within its expiry a request can be replayed to the same provider, which
// gives the same logs to whoever replays it; it expires within minutes and
// travels inside Noise-encrypted connections only.
//
// The requester keeps its write side open after the request: when it closes
// or resets the stream (ReadLogs' Close before the end, or its ctx), the
// server closes the log source and resets. Writes have a RequestTimeout
// deadline renewed per frame; in follow mode the requester reads without a
// deadline, since a job may print nothing for a long time.
package streams
