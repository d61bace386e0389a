package commit

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/cometbft/cometbft/crypto/merkle"
)

// Proof returns the inclusion proof of chunk index among leaves, in CometBFT's
// form: Aunts run from the leaf's sibling up to a child of the root. It costs
// about len(leaves) inner hashes.
func Proof(leaves [][]byte, index uint64) (*merkle.Proof, error) {
	n := uint64(len(leaves))
	if index >= n {
		return nil, fmt.Errorf("prove chunk %d of %d: %w", index, n, ErrIndex)
	}
	aunts := appendAunts(make([][]byte, 0, bits.Len64(n)), leaves, index)
	return &merkle.Proof{
		Total:    int64(n),
		Index:    int64(index),
		LeafHash: append([]byte(nil), leaves[index]...),
		Aunts:    aunts,
	}, nil
}

// appendAunts appends the sibling roots on the path to leaf i, deepest first.
func appendAunts(dst, leaves [][]byte, i uint64) [][]byte {
	n := uint64(len(leaves))
	if n <= 1 {
		return dst
	}
	k := splitPoint(n)
	if i < k {
		return append(appendAunts(dst, leaves[:k], i), RootFromLeaves(leaves[k:]))
	}
	return append(appendAunts(dst, leaves[k:], i-k), RootFromLeaves(leaves[:k]))
}

// VerifyChunk checks that chunk is chunk index of total under root: its
// length fits the size rule and proof leads from it to root. total is the
// commitment's Chunks, taken from the chain, never from the proof.
func VerifyChunk(root []byte, index, total uint64, chunk []byte, proof *merkle.Proof) error {
	if total == 0 || index >= total || total > math.MaxInt64 {
		return fmt.Errorf("verify chunk %d of %d: %w", index, total, ErrIndex)
	}
	if err := checkChunkLen(index, total, len(chunk)); err != nil {
		return fmt.Errorf("verify chunk %d of %d: %w", index, total, err)
	}
	if proof == nil {
		return fmt.Errorf("verify chunk %d of %d: %w: no proof", index, total, ErrProof)
	}
	if proof.Index != int64(index) || proof.Total != int64(total) {
		return fmt.Errorf("verify chunk %d of %d: %w: proof is for chunk %d of %d",
			index, total, ErrProof, proof.Index, proof.Total)
	}
	if err := proof.ValidateBasic(); err != nil {
		return fmt.Errorf("verify chunk %d of %d: %w: %w", index, total, ErrProof, err)
	}
	if err := proof.Verify(root, chunk); err != nil {
		return fmt.Errorf("verify chunk %d of %d: %w: %w", index, total, ErrProof, err)
	}
	return nil
}

// checkChunkLen applies the size rule: ChunkSize for all but the last chunk,
// 1..ChunkSize for the last, and 0 only for the single chunk of an empty file.
func checkChunkLen(index, total uint64, n int) error {
	lo, hi := ChunkSize, ChunkSize
	if index == total-1 {
		lo = 1
		if total == 1 {
			lo = 0
		}
	}
	switch {
	case n >= lo && n <= hi:
		return nil
	case lo == hi:
		return fmt.Errorf("%w: %d bytes, want %d", ErrChunkSize, n, hi)
	default:
		return fmt.Errorf("%w: %d bytes, want %d..%d", ErrChunkSize, n, lo, hi)
	}
}
