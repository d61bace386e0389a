package streams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/gpunet/gpunet/runtime/commit"
)

// Checkpoints are the provider's own committed checkpoints.
type Checkpoints interface {
	// OpenCheckpoint opens the file of jobID's checkpoint at step and
	// returns it with its committed Merkle root (32 bytes), or ErrNotFound.
	// The server closes the file.
	OpenCheckpoint(ctx context.Context, jobID uint64, step int64) (f *os.File, root []byte, err error)
}

// chunkBufs holds response buffers: headroom, the largest header, a chunk.
var chunkBufs = sync.Pool{New: func() any {
	b := make([]byte, framePrefixMax+MaxChunkFrameBytes)
	return &b
}}

// chunkReserve is the memory a served or fetched chunk reserves from its
// stream's resource scope: one chunk buffer.
const chunkReserve = framePrefixMax + MaxChunkFrameBytes

// handleCheckpoint serves one chunk per stream.
func (s *Server) handleCheckpoint(x *exchange) {
	b, ok := x.readRequest()
	if !ok {
		return
	}
	req, err := decodeCheckpointRequest(b)
	if err != nil {
		x.refuse(StatusBadRequest, err.Error())
		return
	}
	x.log = x.log.With("job", req.JobID, "step", req.Step, "chunk", req.Index)
	if status, msg := s.serveChunk(x, req); status != StatusOK {
		x.refuse(status, msg)
	}
}

// serveChunk sends the chunk and finishes the stream, or returns why not.
func (s *Server) serveChunk(x *exchange, req checkpointRequest) (Status, string) {
	f, root, err := s.cp.OpenCheckpoint(x.ctx, req.JobID, req.Step)
	switch {
	case errors.Is(err, ErrNotFound):
		return StatusNotFound, fmt.Sprintf("checkpoint: job %d has no checkpoint at step %d", req.JobID, req.Step)
	case err == nil && f == nil:
		err = errors.New("Checkpoints returned no file and no error")
		fallthrough
	case err != nil:
		x.log.Error("open checkpoint", "err", err)
		return StatusInternal, fmt.Sprintf("checkpoint: job %d step %d: open failed", req.JobID, req.Step)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		x.log.Error("stat checkpoint", "err", err)
		return StatusInternal, fmt.Sprintf("checkpoint: job %d step %d: stat failed", req.JobID, req.Step)
	}
	size := fi.Size()
	total := commit.ChunkCount(uint64(size))
	if req.Index >= total {
		return StatusBadRequest, fmt.Sprintf("index: chunk %d of a %d-chunk checkpoint", req.Index, total)
	}
	if total > MaxChunks {
		return StatusInternal, fmt.Sprintf("checkpoint: %d chunks, more than the protocol's %d", total, uint64(MaxChunks))
	}

	key := leafKey{job: req.JobID, step: req.Step, root: string(root), size: size, modTime: fi.ModTime().UnixNano()}
	leaves, err := s.leaves.get(x.ctx, key, f)
	switch {
	case errors.Is(err, errRootMismatch):
		x.log.Error("checkpoint file does not match its committed root; not serving it", "err", err)
		return StatusInternal, fmt.Sprintf("checkpoint: job %d step %d: file does not match its committed root", req.JobID, req.Step)
	case x.ctx.Err() != nil:
		return StatusUnavailable, "shutting down or cancelled"
	case err != nil:
		x.log.Error("hash checkpoint", "err", err)
		return StatusInternal, fmt.Sprintf("checkpoint: job %d step %d: hashing failed", req.JobID, req.Step)
	}
	proof, err := commit.Proof(leaves, req.Index)
	if err != nil {
		x.log.Error("prove chunk", "err", err)
		return StatusInternal, "proof failed"
	}

	if err := x.st.Scope().ReserveMemory(chunkReserve, network.ReservationPriorityMedium); err != nil {
		return StatusUnavailable, "resource limit: " + err.Error()
	}
	defer x.st.Scope().ReleaseMemory(chunkReserve)
	bp := chunkBufs.Get().(*[]byte)
	defer chunkBufs.Put(bp)

	off := int64(req.Index) * commit.ChunkSize
	n := int(min(size-off, commit.ChunkSize))
	buf, err := appendChunkHeader((*bp)[:framePrefixMax], total, proof, n)
	if err != nil {
		x.log.Error("encode chunk header", "err", err)
		return StatusInternal, "encoding failed"
	}
	data := buf[len(buf) : len(buf)+n]
	if m, err := f.ReadAt(data, off); m != n && (err == nil || errors.Is(err, io.EOF)) {
		x.log.Error("checkpoint shrank while served", "read", m, "want", n)
		return StatusInternal, "checkpoint changed while served"
	} else if m != n {
		x.log.Error("read chunk", "err", err)
		return StatusInternal, "read failed"
	}
	if err := x.send(buf[:len(buf)+n]); err != nil {
		x.log.Debug("send chunk", "err", err)
		x.abort()
		return StatusOK, ""
	}
	x.finish()
	return StatusOK, ""
}

// errRootMismatch: the file's root is not the committed one.
var errRootMismatch = errors.New("root mismatch")

// leafCacheEntries bounds the checkpoints whose leaf hashes are kept (32
// bytes a MiB: 32 KiB for a 1 GiB checkpoint).
const leafCacheEntries = 64

// leafHashers bounds how many checkpoints are hashed at once.
const leafHashers = 2

// leafKey identifies a checkpoint file's content as far as the server can
// tell without reading it; a changed size or mtime means hashing again.
type leafKey struct {
	job     uint64
	step    int64
	root    string
	size    int64
	modTime int64
}

// leafEntry is one hashed (or being hashed) checkpoint.
type leafEntry struct {
	done   chan struct{}
	leaves [][]byte
	err    error
}

// leafCache keeps the leaf hashes that proofs need, so serving n chunks
// hashes the file once, not n times. Concurrent requests for one checkpoint
// wait for one hashing. A mismatching root is remembered too, so a bad file
// costs one pass; other failures are forgotten.
type leafCache struct {
	mu    sync.Mutex
	m     map[leafKey]*leafEntry
	order []leafKey // insertion order, for eviction
	max   int
	sem   chan struct{}
}

func newLeafCache(entries, hashers int) *leafCache {
	return &leafCache{m: make(map[leafKey]*leafEntry), max: entries, sem: make(chan struct{}, hashers)}
}

// get returns the leaf hashes of f, hashing it if no entry matches k.
func (c *leafCache) get(ctx context.Context, k leafKey, f *os.File) ([][]byte, error) {
	c.mu.Lock()
	if e, ok := c.m[k]; ok {
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.leaves, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := &leafEntry{done: make(chan struct{})}
	c.m[k] = e
	c.order = append(c.order, k)
	if len(c.order) > c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()

	e.leaves, e.err = c.hash(ctx, k, f)
	close(e.done)
	if e.err != nil && !errors.Is(e.err, errRootMismatch) {
		c.mu.Lock()
		if c.m[k] == e {
			delete(c.m, k)
			for i, o := range c.order {
				if o == k {
					c.order = append(c.order[:i], c.order[i+1:]...)
					break
				}
			}
		}
		c.mu.Unlock()
	}
	return e.leaves, e.err
}

func (c *leafCache) hash(ctx context.Context, k leafKey, f *os.File) ([][]byte, error) {
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	com, leaves, err := commit.Reader(ctx, f, k.size, 0)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(com.Root, []byte(k.root)) {
		return nil, fmt.Errorf("%w: file root %s, committed %x", errRootMismatch, com.Hex(), k.root)
	}
	return leaves, nil
}
