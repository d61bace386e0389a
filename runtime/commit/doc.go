// Package commit computes a checkpoint's commitment: the root of a Merkle
// tree over the file's fixed-size chunks, and the proof that serves each chunk.
//
// It owns chunking, parallel leaf hashing, the root and chunk proofs. It does
// not read what a checkpoint means, talk to the network or touch the chain:
// callers hand it a path or an io.ReaderAt and get back bytes.
//
// # The tree
//
// A file of size bytes is cut into n chunks of ChunkSize (1 MiB) bytes, in
// order; the last chunk holds the remainder and may be shorter. An empty file
// is one empty chunk, so every commitment has n ≥ 1 and every chunk, even of
// an empty file, has a proof:
//
//	n        = max(1, ceil(size / ChunkSize))
//	chunk i  = bytes [i·ChunkSize, min((i+1)·ChunkSize, size))
//	leaf i   = SHA-256(0x00 ‖ chunk i)
//	inner    = SHA-256(0x01 ‖ left ‖ right)
//	root(L)  = L[0]                                        if len(L) = 1
//	         = inner(root(L[:k]), root(L[k:]))             otherwise,
//	           k = the largest power of two < len(L)       (RFC 6962 §2.1)
//
// This is exactly CometBFT's merkle.HashFromByteSlices over the chunks, so
// merkle.HashFromByteSlices(chunks) equals Commitment.Root, and a
// *merkle.Proof from Proof verifies with merkle.Proof.Verify(root, chunk).
// The inner combination is CometBFT's (tmhash.SumMany with the 0x01 prefix);
// the leaves are hashed here, in parallel, because CometBFT's tree functions
// take every item in memory and hash leaves one at a time.
//
// # Cost
//
// The leaf hashes are the cost: one SHA-256 pass over the file, split across
// workers, each reading its chunks with ReadAt into its own 1 MiB buffer. The
// tree over the 32-byte leaf hashes is n−1 small hashes (2047 for 2 GiB).
// A provider runs File beside the job, never in the path of serving or
// checkpointing, so hashing is never what it waits on.
//
// A commitment is over the bytes read: File notices a file that changed size
// while it was hashed, not one rewritten in place at the same size, so callers
// commit checkpoints only once the writer has closed them.
package commit
