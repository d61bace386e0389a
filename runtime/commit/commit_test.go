package commit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cometbft/cometbft/crypto/merkle"
	"pgregory.net/rapid"
)

func TestRootMatchesCometBFT(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		chunks uint64
	}{
		{"empty", 0, 1},
		{"one byte", 1, 1},
		{"chunk-1", ChunkSize - 1, 1},
		{"chunk", ChunkSize, 1},
		{"chunk+1", ChunkSize + 1, 2},
		{"7MiB+3", 7*ChunkSize + 3, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := testData(tc.size, uint64(tc.size))
			chunks := chunksOf(data)
			want := merkle.HashFromByteSlices(chunks)

			c, leaves, err := File(context.Background(), writeTemp(t, data), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.Root, want) {
				t.Fatalf("root %x, CometBFT %x", c.Root, want)
			}
			if c.Size != uint64(tc.size) || c.Chunks != tc.chunks || uint64(len(leaves)) != tc.chunks {
				t.Fatalf("size %d chunks %d leaves %d, want %d, %d", c.Size, c.Chunks, len(leaves), tc.size, tc.chunks)
			}
			if ChunkCount(c.Size) != c.Chunks {
				t.Fatalf("ChunkCount(%d) = %d, want %d", c.Size, ChunkCount(c.Size), c.Chunks)
			}
			for i, ch := range chunks {
				if !bytes.Equal(leaves[i], LeafHash(ch)) {
					t.Fatalf("leaf %d differs", i)
				}
			}
			if c.Hex() != fmt.Sprintf("%x", want) {
				t.Fatalf("Hex() = %s", c.Hex())
			}
		})
	}
}

func TestWorkerCountsAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := rapid.OneOf(
			rapid.IntRange(0, 4*ChunkSize+7),
			rapid.Custom(func(t *rapid.T) int { // near a chunk boundary
				return max(0, rapid.IntRange(0, 4).Draw(t, "k")*ChunkSize+rapid.IntRange(-2, 2).Draw(t, "d"))
			}),
		).Draw(t, "size")
		data := testData(size, rapid.Uint64().Draw(t, "seed"))
		want := merkle.HashFromByteSlices(chunksOf(data))
		for w := 1; w <= 8; w++ {
			c, _, err := Reader(context.Background(), bytes.NewReader(data), int64(size), w)
			if err != nil {
				t.Fatalf("workers %d: %v", w, err)
			}
			if !bytes.Equal(c.Root, want) {
				t.Fatalf("workers %d: root %x, want %x", w, c.Root, want)
			}
		}
	})
}

// hookReader calls before on each ReadAt, then reads from r.
type hookReader struct {
	r      io.ReaderAt
	before func(off int64)
	reads  atomic.Int64
}

func (h *hookReader) ReadAt(p []byte, off int64) (int, error) {
	h.reads.Add(1)
	h.before(off)
	return h.r.ReadAt(p, off)
}

func TestCancel(t *testing.T) {
	data := testData(16*ChunkSize, 1)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Reader(ctx, bytes.NewReader(data), int64(len(data)), 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before start: %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	h := &hookReader{r: bytes.NewReader(data), before: func(int64) { cancel() }}
	if _, _, err := Reader(ctx, h, int64(len(data)), 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while hashing: %v", err)
	}
	if n := h.reads.Load(); n > 2 {
		t.Fatalf("%d chunks read after cancel, want at most one per worker", n)
	}
}

func TestTruncatedWhileHashing(t *testing.T) {
	path := writeTemp(t, testData(8*ChunkSize, 2))
	var once sync.Once
	_, _, err := file(context.Background(), path, 2, func(f *os.File) io.ReaderAt {
		return &hookReader{r: f, before: func(int64) {
			once.Do(func() {
				if err := os.Truncate(path, 3*ChunkSize+5); err != nil {
					t.Error(err)
				}
			})
		}}
	})
	if !errors.Is(err, ErrSizeChanged) {
		t.Fatalf("got %v, want ErrSizeChanged", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("error %q does not name the file and offset", err)
	}
}

func TestGrownWhileHashing(t *testing.T) {
	path := writeTemp(t, testData(2*ChunkSize, 3))
	var once sync.Once
	_, _, err := file(context.Background(), path, 1, func(f *os.File) io.ReaderAt {
		return &hookReader{r: f, before: func(int64) {
			once.Do(func() {
				w, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = w.Write([]byte("more"))
				_ = w.Close()
			})
		}}
	})
	if !errors.Is(err, ErrSizeChanged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want ErrSizeChanged naming %s", err, path)
	}
}

type failReader struct{ at int64 }

var errDisk = errors.New("disk on fire")

func (f failReader) ReadAt(p []byte, off int64) (int, error) {
	if off == f.at {
		return 0, errDisk
	}
	return len(p), nil
}

func TestReadError(t *testing.T) {
	_, _, err := Reader(context.Background(), failReader{at: 3 * ChunkSize}, 5*ChunkSize, 2)
	if !errors.Is(err, ErrRead) || !errors.Is(err, errDisk) {
		t.Fatalf("got %v, want ErrRead wrapping the reader's error", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("offset %d", 3*ChunkSize)) {
		t.Fatalf("error %q does not name the offset", err)
	}
}

func TestInvalidInput(t *testing.T) {
	ctx := context.Background()
	if _, _, err := Reader(ctx, bytes.NewReader(nil), -1, 1); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("negative size: %v", err)
	}
	if _, _, err := Reader(ctx, bytes.NewReader(nil), 0, -1); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("negative workers: %v", err)
	}
	if _, _, err := File(ctx, t.TempDir(), 1); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("directory: %v", err)
	}
	if _, _, err := File(ctx, "/nonexistent/ckpt", 1); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
