package commit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// ChunkSize is the length of every chunk but the last.
const ChunkSize = 1 << 20

// Commitment is what goes on chain for a checkpoint.
type Commitment struct {
	Root   []byte // Merkle root, 32 bytes
	Size   uint64 // file length in bytes
	Chunks uint64 // chunk count, ChunkCount(Size)
}

// Hex returns the root in lower-case hex.
func (c Commitment) Hex() string { return hex.EncodeToString(c.Root) }

// ChunkCount returns the number of chunks of a file of size bytes: at least
// one, since an empty file is one empty chunk.
func ChunkCount(size uint64) uint64 {
	if size == 0 {
		return 1
	}
	return (size + ChunkSize - 1) / ChunkSize
}

// File commits to the file at path with workers goroutines (0 means
// runtime.GOMAXPROCS(0)). It returns the commitment and the leaf hashes, which
// Proof needs to serve chunks. The file must keep its size while it is hashed.
func File(ctx context.Context, path string, workers int) (Commitment, [][]byte, error) {
	return file(ctx, path, workers, nil)
}

// file is File with a hook that wraps the opened file, for tests that change
// the file while it is read.
func file(ctx context.Context, path string, workers int, wrap func(*os.File) io.ReaderAt) (Commitment, [][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return Commitment{}, nil, fmt.Errorf("commit %s: %w", path, err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return Commitment{}, nil, fmt.Errorf("commit %s: %w", path, err)
	}
	if !before.Mode().IsRegular() {
		return Commitment{}, nil, fmt.Errorf("commit %s: %w: not a regular file", path, ErrInvalidInput)
	}
	var r io.ReaderAt = f
	if wrap != nil {
		r = wrap(f)
	}
	c, leaves, err := Reader(ctx, r, before.Size(), workers)
	if err != nil {
		return Commitment{}, nil, fmt.Errorf("commit %s: %w", path, err)
	}
	after, err := f.Stat()
	if err != nil {
		return Commitment{}, nil, fmt.Errorf("commit %s: %w", path, err)
	}
	if after.Size() != before.Size() {
		return Commitment{}, nil, fmt.Errorf("commit %s: %d bytes, then %d: %w",
			path, before.Size(), after.Size(), ErrSizeChanged)
	}
	return c, leaves, nil
}

// Reader commits to the first size bytes of r with workers goroutines (0
// means runtime.GOMAXPROCS(0)). Each worker reads whole chunks with ReadAt
// into its own ChunkSize buffer and hashes them into one preallocated array;
// the returned leaf hashes are 32-byte slices of it.
func Reader(ctx context.Context, r io.ReaderAt, size int64, workers int) (Commitment, [][]byte, error) {
	if size < 0 || workers < 0 {
		return Commitment{}, nil, fmt.Errorf("commit %d bytes with %d workers: %w", size, workers, ErrInvalidInput)
	}
	leaves, err := hashLeaves(ctx, r, size, workers)
	if err != nil {
		return Commitment{}, nil, err
	}
	return Commitment{Root: RootFromLeaves(leaves), Size: uint64(size), Chunks: uint64(len(leaves))}, leaves, nil
}

// hashLeaves hands chunk indices out from an atomic counter, so a slow read
// holds back one worker, not a fixed stripe of the file.
func hashLeaves(ctx context.Context, r io.ReaderAt, size int64, workers int) ([][]byte, error) {
	n := ChunkCount(uint64(size))
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = int(min(uint64(workers), n))
	sums := make([]byte, n*sha256.Size)
	leaves := make([][]byte, n)
	for i := range leaves {
		leaves[i] = sums[i*sha256.Size : (i+1)*sha256.Size : (i+1)*sha256.Size]
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Uint64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			buf := make([]byte, min(size, ChunkSize))
			h := sha256.New()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				off := int64(i) * ChunkSize
				chunk := buf[:min(size-off, ChunkSize)]
				if err := readChunk(r, chunk, i, off); err != nil {
					cancel(err)
					return
				}
				h.Reset()
				h.Write(leafPrefix)
				h.Write(chunk)
				h.Sum(leaves[i][:0])
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("hash chunks: %w", err)
	}
	return leaves, nil
}

// readChunk fills p from offset off. A short read means the file shrank.
func readChunk(r io.ReaderAt, p []byte, i uint64, off int64) error {
	if len(p) == 0 {
		return nil
	}
	n, err := r.ReadAt(p, off)
	switch {
	case n == len(p):
		return nil // io.EOF with a full read is the end of the file
	case err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("read chunk %d at offset %d: %d of %d bytes: %w", i, off, n, len(p), ErrSizeChanged)
	default:
		return fmt.Errorf("read chunk %d at offset %d: %w: %w", i, off, ErrRead, err)
	}
}
