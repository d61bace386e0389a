package streams

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/gpunet/gpunet/runtime/commit"
)

// FetchCheckpoint downloads the checkpoint of jobID at step from provider
// into dst, chunk by chunk with up to DefaultFetchParallel requests in
// flight, checking every chunk against root (from the chain) with
// commit.VerifyChunk. It writes a temporary file beside dst and renames it
// into place, fsynced, only once every chunk has verified; on any failure
// nothing is left at dst (an existing dst is untouched). A chunk that does
// not verify is an ErrBadChunk naming the peer, job, step and chunk.
func FetchCheckpoint(ctx context.Context, h host.Host, provider peer.ID, jobID uint64, step int64,
	root []byte, dst string, opts ...FetchOption) (err error) {
	o := buildFetchOptions(opts)
	switch {
	case h == nil || provider == "":
		return fmt.Errorf("fetch checkpoint: %w: no host or provider", ErrInvalidArgument)
	case len(root) != sha256.Size:
		return fmt.Errorf("fetch checkpoint: %w: root: %d bytes, want %d", ErrInvalidArgument, len(root), sha256.Size)
	case step < 0:
		return fmt.Errorf("fetch checkpoint: %w: step: %d is negative", ErrInvalidArgument, step)
	case dst == "":
		return fmt.Errorf("fetch checkpoint: %w: dst: empty", ErrInvalidArgument)
	case o.parallel < 1 || o.parallel > MaxFetchParallel:
		return fmt.Errorf("fetch checkpoint: %w: parallel: %d, want 1..%d", ErrInvalidArgument, o.parallel, MaxFetchParallel)
	case o.chunks > MaxChunks:
		return fmt.Errorf("fetch checkpoint: %w: chunk count: %d, at most %d", ErrInvalidArgument, o.chunks, uint64(MaxChunks))
	}

	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return fmt.Errorf("fetch checkpoint: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	f := &fetcher{h: h, provider: provider, jobID: jobID, step: step, root: root, out: tmp}

	// Chunk 0 tells the count; every later chunk must agree with it.
	if err := f.chunk(ctx, 0, o.chunks); err != nil {
		return err
	}
	total := f.total
	if o.maxSize > 0 && (total-1)*commit.ChunkSize >= o.maxSize {
		return f.errorf(0, "%w: %d chunks exceed the %d-byte limit", ErrInvalidArgument, total, o.maxSize)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.parallel)
	for i := uint64(1); i < total && gctx.Err() == nil; i++ {
		g.Go(func() error { return f.chunk(gctx, i, total) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fetch checkpoint: %w", err)
	}

	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fetch checkpoint: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fetch checkpoint: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("fetch checkpoint: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

// fetcher downloads the chunks of one checkpoint into out.
type fetcher struct {
	h        host.Host
	provider peer.ID
	jobID    uint64
	step     int64
	root     []byte
	out      *os.File
	total    uint64 // set by chunk 0
}

func (f *fetcher) errorf(index uint64, format string, args ...any) error {
	return fmt.Errorf("fetch checkpoint: peer %s job %d step %d chunk %d: %w",
		f.provider, f.jobID, f.step, index, fmt.Errorf(format, args...))
}

// chunk fetches, verifies and writes chunk index. want is the chunk count
// it must be part of, 0 for "whatever the provider says" (chunk 0 only).
func (f *fetcher) chunk(ctx context.Context, index, want uint64) error {
	req, err := encodeCheckpointRequest(checkpointRequest{JobID: f.jobID, Step: f.step, Index: index})
	if err != nil {
		return f.errorf(index, "%w", err)
	}
	c, err := openCall(ctx, f.h, f.provider, CheckpointProtocol, req, chunkReserve, MaxChunkFrameBytes)
	if err != nil {
		return f.errorf(index, "%w", ctxErr(ctx, err))
	}
	ok := false
	defer func() { c.end(ok) }()
	_ = c.st.CloseWrite()

	bp := chunkBufs.Get().(*[]byte)
	defer chunkBufs.Put(bp)
	b, err := readFrame(c.r, (*bp)[:MaxChunkFrameBytes])
	switch {
	case err != nil:
		return f.errorf(index, "read response: %w", ctxErr(ctx, err))
	case len(b) == 0:
		return f.errorf(index, "%w: empty frame", ErrMalformed)
	case Status(b[0]).isError():
		return f.errorf(index, "%w", c.remoteError(b))
	}
	resp, err := decodeChunkResponse(b)
	if err != nil {
		return f.errorf(index, "%w", err)
	}
	total := want
	if total == 0 {
		total = resp.Total
	}
	if resp.Total != total {
		return f.errorf(index, "%w: provider says %d chunks, want %d", ErrBadChunk, resp.Total, total)
	}
	if err := commit.VerifyChunk(f.root, index, total, resp.Data, resp.proof(index)); err != nil {
		return f.errorf(index, "%w: %w", ErrBadChunk, err)
	}
	if _, err := f.out.WriteAt(resp.Data, int64(index)*commit.ChunkSize); err != nil {
		return f.errorf(index, "%w", err)
	}
	if index == 0 {
		f.total = total
	}
	ok = true
	return nil
}

// ctxErr prefers the context's error to the stream reset it caused.
func ctxErr(ctx context.Context, err error) error {
	if cerr := context.Cause(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fetch checkpoint: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fetch checkpoint: sync dir %s: %w", dir, err)
	}
	return nil
}
