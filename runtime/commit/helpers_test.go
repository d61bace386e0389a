package commit

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// testData returns size deterministic pseudo-random bytes.
func testData(size int, seed uint64) []byte {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	for i := range 8 {
		key[8+i] = byte(seed >> (8 * i))
	}
	b := make([]byte, size)
	_, _ = rand.NewChaCha8(key).Read(b)
	return b
}

// chunksOf splits data as the tree does: an empty file is one empty chunk.
func chunksOf(data []byte) [][]byte {
	if len(data) == 0 {
		return [][]byte{{}}
	}
	var out [][]byte
	for off := 0; off < len(data); off += ChunkSize {
		out = append(out, data[off:min(off+ChunkSize, len(data))])
	}
	return out
}

func writeTemp(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ckpt.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
