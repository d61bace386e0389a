package commit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// benchSize is the benchmark file's length; both benchmarks hash the same
// file, so their MB/s compare within one run.
const benchSize = 256 << 20

var bench struct {
	once sync.Once
	dir  string
	path string
	data []byte
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		_ = os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// benchFile writes the shared benchmark file once and reads it back, so it
// is in the page cache.
func benchFile(b *testing.B) (string, []byte) {
	b.Helper()
	bench.once.Do(func() {
		bench.data = testData(benchSize, 42)
		if bench.dir, bench.err = os.MkdirTemp("", "commit-bench-"); bench.err != nil {
			return
		}
		bench.path = filepath.Join(bench.dir, "ckpt.bin")
		if bench.err = os.WriteFile(bench.path, bench.data, 0o600); bench.err != nil {
			return
		}
		_, bench.err = os.ReadFile(bench.path)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.path, bench.data
}

func BenchmarkCommitFile(b *testing.B) {
	path, _ := benchFile(b)
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			b.SetBytes(benchSize)
			for b.Loop() {
				if _, _, err := File(context.Background(), path, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSHA256Baseline is one sha256.New over the same bytes: read from
// the file through a 1 MiB buffer (what workers=1 does, less the tree), and
// straight from memory.
func BenchmarkSHA256Baseline(b *testing.B) {
	path, data := benchFile(b)
	b.Run("file", func(b *testing.B) {
		b.SetBytes(benchSize)
		buf := make([]byte, ChunkSize)
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf); err != nil {
				b.Fatal(err)
			}
			h.Sum(nil)
			f.Close()
		}
	})
	b.Run("memory", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			h := sha256.New()
			h.Write(data)
			h.Sum(nil)
		}
	})
}
