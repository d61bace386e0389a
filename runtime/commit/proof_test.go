package commit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cometbft/cometbft/crypto/merkle"
)

// Proofs built from leaf hashes equal CometBFT's, built from the items.
func TestProofMatchesCometBFT(t *testing.T) {
	for n := 1; n <= 40; n++ {
		items := make([][]byte, n)
		leaves := make([][]byte, n)
		for i := range items {
			items[i] = fmt.Appendf(nil, "item %d of %d", i, n)
			leaves[i] = LeafHash(items[i])
		}
		root, want := merkle.ProofsFromByteSlices(items)
		if got := RootFromLeaves(leaves); !bytes.Equal(got, root) {
			t.Fatalf("n=%d: root %x, want %x", n, got, root)
		}
		for i := range items {
			p, err := Proof(leaves, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != want[i].Total || p.Index != want[i].Index || !bytes.Equal(p.LeafHash, want[i].LeafHash) ||
				len(p.Aunts) != len(want[i].Aunts) {
				t.Fatalf("n=%d i=%d: proof %+v, want %+v", n, i, p, want[i])
			}
			for j := range p.Aunts {
				if !bytes.Equal(p.Aunts[j], want[i].Aunts[j]) {
					t.Fatalf("n=%d i=%d: aunt %d differs", n, i, j)
				}
			}
		}
	}
	if _, err := Proof(make([][]byte, 3), 3); !errors.Is(err, ErrIndex) {
		t.Fatalf("index past the end: %v", err)
	}
}

func TestVerifyChunk(t *testing.T) {
	for _, size := range []int{0, 1, ChunkSize, 7*ChunkSize + 3} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := testData(size, 9)
			chunks := chunksOf(data)
			c, leaves, err := File(context.Background(), writeTemp(t, data), 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, ch := range chunks {
				idx := uint64(i)
				p, err := Proof(leaves, idx)
				if err != nil {
					t.Fatal(err)
				}
				if err := VerifyChunk(c.Root, idx, c.Chunks, ch, p); err != nil {
					t.Fatalf("chunk %d: %v", i, err)
				}
				if err := p.Verify(c.Root, ch); err != nil { // CometBFT alone
					t.Fatalf("chunk %d, merkle.Proof.Verify: %v", i, err)
				}
				if len(ch) > 0 {
					bad := bytes.Clone(ch)
					bad[len(bad)/2] ^= 1
					if err := VerifyChunk(c.Root, idx, c.Chunks, bad, p); !errors.Is(err, ErrProof) {
						t.Fatalf("chunk %d with a flipped byte: %v", i, err)
					}
				}
				badRoot := bytes.Clone(c.Root)
				badRoot[0] ^= 0x80
				if err := VerifyChunk(badRoot, idx, c.Chunks, ch, p); !errors.Is(err, ErrProof) {
					t.Fatalf("chunk %d under a wrong root: %v", i, err)
				}
				if err := VerifyChunk(c.Root, idx, c.Chunks+1, ch, p); err == nil {
					t.Fatalf("chunk %d with a wrong total passed", i)
				}
				if c.Chunks > 1 {
					other := (idx + 1) % c.Chunks
					if err := VerifyChunk(c.Root, other, c.Chunks, ch, p); err == nil {
						t.Fatalf("chunk %d claimed as %d passed", i, other)
					}
					// A proof relabelled to match the claim still fails:
					// the index fixes the path.
					q := *p
					q.Index = int64(other)
					if err := q.Verify(c.Root, ch); err == nil {
						t.Fatalf("chunk %d, proof relabelled as %d verified", i, other)
					}
					q = *p
					q.Total = int64(c.Chunks + 1)
					if err := q.Verify(c.Root, ch); err == nil {
						t.Fatalf("chunk %d, proof relabelled with total %d verified", i, q.Total)
					}
				}
				if len(p.Aunts) > 0 {
					q := *p
					q.Aunts = [][]byte{bytes.Clone(p.Aunts[0])}
					q.Aunts = append(q.Aunts, p.Aunts[1:]...)
					q.Aunts[0][0] ^= 1
					if err := VerifyChunk(c.Root, idx, c.Chunks, ch, &q); !errors.Is(err, ErrProof) {
						t.Fatalf("chunk %d with a tampered aunt: %v", i, err)
					}
				}
			}
		})
	}
}

func TestVerifyChunkSizeRule(t *testing.T) {
	full := testData(ChunkSize, 4)
	for _, tc := range []struct {
		name         string
		index, total uint64
		n            int
		want         error
	}{
		{"short middle chunk", 0, 2, ChunkSize - 1, ErrChunkSize},
		{"empty last chunk", 1, 2, 0, ErrChunkSize},
		{"oversized last chunk", 0, 1, ChunkSize + 1, ErrChunkSize},
		{"index past end", 2, 2, ChunkSize, ErrIndex},
		{"no chunks", 0, 0, 0, ErrIndex},
		{"no proof", 0, 1, 10, ErrProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunk := append(full, 0)[:tc.n]
			err := VerifyChunk(make([]byte, 32), tc.index, tc.total, chunk, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && !bytes.Contains([]byte(err.Error()), fmt.Appendf(nil, "chunk %d", tc.index)) {
				t.Fatalf("error %q does not name the index", err)
			}
		})
	}
}
