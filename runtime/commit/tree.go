package commit

import (
	"crypto/sha256"
	"math/bits"

	"github.com/cometbft/cometbft/crypto/tmhash"
)

// Domain-separation prefixes of RFC 6962 §2.1, as in CometBFT's merkle package.
var (
	leafPrefix  = []byte{0x00}
	innerPrefix = []byte{0x01}
)

// LeafHash returns SHA-256(0x00 ‖ chunk), the leaf hash of one chunk.
func LeafHash(chunk []byte) []byte {
	h := sha256.New()
	h.Write(leafPrefix)
	h.Write(chunk)
	return h.Sum(nil)
}

// innerHash is CometBFT's merkle.innerHash: SHA-256(0x01 ‖ left ‖ right).
func innerHash(left, right []byte) []byte {
	return tmhash.SumMany(innerPrefix, left, right)
}

// RootFromLeaves returns the RFC 6962 root over leaf hashes. When leaves[i] is
// LeafHash(chunks[i]) it equals merkle.HashFromByteSlices(chunks). With no
// leaves it is SHA-256 of nothing, as in CometBFT; File never gives none.
func RootFromLeaves(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return tmhash.Sum(nil)
	case 1:
		return append([]byte(nil), leaves[0]...)
	}
	k := splitPoint(uint64(len(leaves)))
	return innerHash(RootFromLeaves(leaves[:k]), RootFromLeaves(leaves[k:]))
}

// splitPoint returns the largest power of two below n, for n ≥ 2.
func splitPoint(n uint64) uint64 {
	return 1 << (bits.Len64(n-1) - 1)
}
