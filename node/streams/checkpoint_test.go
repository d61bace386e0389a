package streams

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cometbft/cometbft/crypto/merkle"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-msgio"

	"github.com/gpunet/gpunet/runtime/commit"
)

func TestFetchCheckpoint(t *testing.T) {
	provider, requester := pair(t)
	cps := newFakeCheckpoints()
	startServer(t, provider, cps, nil, nil)
	src, dstDir := t.TempDir(), t.TempDir()

	for _, tc := range []struct {
		name     string
		size     int
		opts     []FetchOption
		wantOpen int
	}{
		{"2.5MiB", 5 * commit.ChunkSize / 2, nil, 3},
		{"2.5MiB sequential, chain count", 5 * commit.ChunkSize / 2, []FetchOption{WithParallel(1), WithChunkCount(3)}, 3},
		{"empty", 0, nil, 1},
		{"one byte", 1, nil, 1},
		{"exactly two chunks", 2 * commit.ChunkSize, []FetchOption{WithMaxSize(2 * commit.ChunkSize)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step := int64(tc.size)
			data := testData(tc.size, step)
			path, c, _ := writeCheckpoint(t, src, tc.name, data)
			cps.add(7, step, path, c.Root)
			cps.mu.Lock()
			cps.opens = 0
			cps.mu.Unlock()

			dst := filepath.Join(dstDir, tc.name+".safetensors")
			ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
			defer cancel()
			if err := FetchCheckpoint(ctx, requester, provider.ID(), 7, step, c.Root, dst, tc.opts...); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("fetched %d bytes differ from the %d served", len(got), len(data))
			}
			if cps.opens != tc.wantOpen {
				t.Errorf("provider opened the checkpoint %d times, want one per chunk (%d)", cps.opens, tc.wantOpen)
			}
		})
	}
	if names := dirEntries(t, dstDir); slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, ".part-") }) {
		t.Errorf("temporary files left: %v", names)
	}
}

func TestFetchCheckpointHashesOnce(t *testing.T) {
	provider, requester := pair(t)
	cps := newFakeCheckpoints()
	s := startServer(t, provider, cps, nil, nil)
	data := testData(3*commit.ChunkSize+5, 1)
	path, c, _ := writeCheckpoint(t, t.TempDir(), "cp", data)
	cps.add(1, 10, path, c.Root)
	for i := range 2 {
		dst := filepath.Join(t.TempDir(), "cp")
		if err := FetchCheckpoint(t.Context(), requester, provider.ID(), 1, 10, c.Root, dst); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	s.leaves.mu.Lock()
	defer s.leaves.mu.Unlock()
	if len(s.leaves.m) != 1 {
		t.Fatalf("%d cache entries, want 1", len(s.leaves.m))
	}
}

func TestFetchCheckpointNotFound(t *testing.T) {
	provider, requester := pair(t)
	startServer(t, provider, nil, nil, nil)
	dst := filepath.Join(t.TempDir(), "cp")
	err := FetchCheckpoint(t.Context(), requester, provider.ID(), 9, 100, make([]byte, 32), dst)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	var re *RemoteError
	if !errors.As(err, &re) || re.Peer != provider.ID() || !strings.Contains(err.Error(), "job 9 has no checkpoint at step 100") {
		t.Fatalf("error does not say what is missing: %v", err)
	}
	if names := dirEntries(t, filepath.Dir(dst)); len(names) != 0 {
		t.Fatalf("left behind: %v", names)
	}
}

// A provider whose file no longer matches its committed root refuses to
// serve it rather than serve proofs that cannot verify.
func TestFetchCheckpointCorruptedFile(t *testing.T) {
	provider, requester := pair(t)
	cps := newFakeCheckpoints()
	startServer(t, provider, cps, nil, nil)
	src := t.TempDir()
	data := testData(5*commit.ChunkSize/2, 3)
	_, c, _ := writeCheckpoint(t, src, "true", data)
	bad := bytes.Clone(data)
	bad[commit.ChunkSize+17] ^= 1
	badPath, _, _ := writeCheckpoint(t, src, "bad", bad)
	cps.add(7, 100, badPath, c.Root)

	dstDir := t.TempDir()
	dst := filepath.Join(dstDir, "cp")
	err := FetchCheckpoint(t.Context(), requester, provider.ID(), 7, 100, c.Root, dst)
	if !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "does not match its committed root") {
		t.Fatalf("got %v, want the provider's refusal", err)
	}
	if names := dirEntries(t, dstDir); len(names) != 0 {
		t.Fatalf("left behind: %v", names)
	}
}

// evilServer answers checkpoint requests for data with the true proofs,
// after edit changes the chunk count, the chunk or the proof.
func evilServer(t *testing.T, h host.Host, data []byte, edit func(index uint64, total *uint64, chunk []byte, p *merkle.Proof) []byte) {
	t.Helper()
	_, c, leaves := writeCheckpoint(t, t.TempDir(), "evil", data)
	h.SetStreamHandler(CheckpointProtocol, func(st network.Stream) {
		defer st.Close()
		b, err := readFrame(msgio.NewVarintReader(st), make([]byte, MaxRequestBytes))
		if err != nil {
			_ = st.Reset()
			return
		}
		req, err := decodeCheckpointRequest(b)
		if err != nil || req.Index >= c.Chunks {
			_ = writeFramed(st, withHeadroom(encodeError(StatusBadRequest, "no")))
			return
		}
		p, _ := commit.Proof(leaves, req.Index)
		off := req.Index * commit.ChunkSize
		chunk := bytes.Clone(data[off:min(off+commit.ChunkSize, uint64(len(data)))])
		total := c.Chunks
		chunk = edit(req.Index, &total, chunk, p)
		buf, err := appendChunkHeader(make([]byte, framePrefixMax), total, p, len(chunk))
		if err != nil {
			t.Error(err)
			return
		}
		_ = writeFramed(st, append(buf, chunk...))
	})
	t.Cleanup(func() { h.RemoveStreamHandler(CheckpointProtocol) })
}

// A provider serving a corrupted chunk is caught by the requester: the
// error names the peer, job, step and chunk, and dst keeps what it held.
func TestFetchCheckpointDetectsBadChunk(t *testing.T) {
	provider, requester := pair(t)
	data := testData(5*commit.ChunkSize/2, 4)
	_, c, _ := writeCheckpoint(t, t.TempDir(), "true", data)
	evilServer(t, provider, data, func(index uint64, _ *uint64, chunk []byte, _ *merkle.Proof) []byte {
		if index == 1 {
			chunk[100] ^= 0x80
		}
		return chunk
	})
	dstDir := t.TempDir()
	dst := filepath.Join(dstDir, "cp")
	if err := os.WriteFile(dst, []byte("previous"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, par := range []int{1, 4} {
		err := FetchCheckpoint(t.Context(), requester, provider.ID(), 7, 100, c.Root, dst, WithParallel(par))
		if !errors.Is(err, ErrBadChunk) || !errors.Is(err, commit.ErrProof) {
			t.Fatalf("parallel %d: got %v, want ErrBadChunk", par, err)
		}
		for _, want := range []string{"peer " + provider.ID().String(), "job 7", "step 100", "chunk 1"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
		if got, _ := os.ReadFile(dst); string(got) != "previous" {
			t.Fatalf("dst changed to %d bytes", len(got))
		}
		if names := dirEntries(t, dstDir); len(names) != 1 {
			t.Fatalf("left behind: %v", names)
		}
	}
}

// A provider claiming another chunk count is caught: chunks 0 and 1 of a
// 3-chunk tree also verify as chunks of a 4-chunk tree (the root does not
// commit to the count), but chunk 2 cannot, so the whole download fails;
// with the chain's count it fails at once.
func TestFetchCheckpointWrongChunkCount(t *testing.T) {
	provider, requester := pair(t)
	data := testData(5*commit.ChunkSize/2, 5)
	_, c, _ := writeCheckpoint(t, t.TempDir(), "true", data)
	var mu sync.Mutex
	served := map[uint64]bool{}
	evilServer(t, provider, data, func(index uint64, total *uint64, chunk []byte, p *merkle.Proof) []byte {
		mu.Lock()
		served[index] = true
		mu.Unlock()
		*total = 4
		p.Total = 4
		return chunk
	})
	if err := commit.VerifyChunk(c.Root, 1, 4, data[commit.ChunkSize:2*commit.ChunkSize],
		&merkle.Proof{Total: 4, Index: 1, LeafHash: mustProof(t, data, 1).LeafHash, Aunts: mustProof(t, data, 1).Aunts}); err != nil {
		t.Fatalf("premise: chunk 1 of 3 should pass as chunk 1 of 4: %v", err)
	}

	dst := filepath.Join(t.TempDir(), "cp")
	err := FetchCheckpoint(t.Context(), requester, provider.ID(), 7, 100, c.Root, dst, WithParallel(1))
	if !errors.Is(err, ErrBadChunk) || !strings.Contains(err.Error(), "chunk 2") {
		t.Fatalf("got %v, want chunk 2 to fail", err)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("dst exists: %v", err)
	}

	mu.Lock()
	clear(served)
	mu.Unlock()
	err = FetchCheckpoint(t.Context(), requester, provider.ID(), 7, 100, c.Root, dst, WithChunkCount(3))
	if !errors.Is(err, ErrBadChunk) || !strings.Contains(err.Error(), "provider says 4 chunks, want 3") {
		t.Fatalf("got %v, want the count refused", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(served) != 1 {
		t.Fatalf("served %v after the count was refused", served)
	}
}

func mustProof(t *testing.T, data []byte, index uint64) *merkle.Proof {
	t.Helper()
	_, _, leaves := writeCheckpoint(t, t.TempDir(), "p", data)
	p, err := commit.Proof(leaves, index)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFetchCheckpointArguments(t *testing.T) {
	h := newHost(t)
	dst := filepath.Join(t.TempDir(), "cp")
	root := make([]byte, 32)
	for name, err := range map[string]error{
		"short root":    FetchCheckpoint(t.Context(), h, h.ID(), 1, 1, root[:31], dst),
		"negative step": FetchCheckpoint(t.Context(), h, h.ID(), 1, -1, root, dst),
		"no dst":        FetchCheckpoint(t.Context(), h, h.ID(), 1, 1, root, ""),
		"parallel 0":    FetchCheckpoint(t.Context(), h, h.ID(), 1, 1, root, dst, WithParallel(0)),
		"parallel 17":   FetchCheckpoint(t.Context(), h, h.ID(), 1, 1, root, dst, WithParallel(17)),
	} {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestCheckpointServerRefusesBadRequests(t *testing.T) {
	provider, requester := pair(t)
	cps := newFakeCheckpoints()
	startServer(t, provider, cps, nil, nil)
	path, c, _ := writeCheckpoint(t, t.TempDir(), "cp", testData(10, 1))
	cps.add(1, 2, path, c.Root)

	good, err := encodeCheckpointRequest(checkpointRequest{JobID: 1, Step: 2, Index: 0})
	if err != nil {
		t.Fatal(err)
	}
	badVersion := bytes.Clone(good)
	badVersion[0] = 9
	beyond, _ := encodeCheckpointRequest(checkpointRequest{JobID: 1, Step: 2, Index: 1})
	oversized := frame(make([]byte, MaxRequestBytes+1))

	for _, tc := range []struct {
		name string
		raw  []byte
		sub  string
	}{
		{"oversized frame", oversized, "4097-byte frame, at most 4096"},
		{"non-minimal length", []byte{0x80, 0x00}, "length prefix: varint not minimally encoded"},
		{"version", frame(badVersion), "version: 9"},
		{"short", frame(good[:10]), "checkpoint request of 10 bytes"},
		{"trailing", frame(append(bytes.Clone(good), 0)), "checkpoint request of 26 bytes"},
		{"index beyond", frame(beyond), "index: chunk 1 of a 1-chunk checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRemote(t, rawExchange(t, requester, provider.ID(), CheckpointProtocol, tc.raw), StatusBadRequest, tc.sub)
		})
	}
	// A good request on the same server still works.
	b := rawExchange(t, requester, provider.ID(), CheckpointProtocol, frame(good))
	resp, err := decodeChunkResponse(b)
	if err != nil || commit.VerifyChunk(c.Root, 0, 1, resp.Data, resp.proof(0)) != nil {
		t.Fatalf("good request: %v", err)
	}
}

func TestServerCloseRemovesHandlers(t *testing.T) {
	provider, requester := pair(t)
	s := NewServer(provider, newFakeCheckpoints(), newFakeLogs(), fakeClients{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for _, p := range provider.Mux().Protocols() {
		if p == CheckpointProtocol || p == LogsProtocol {
			t.Fatalf("%s still registered", p)
		}
	}
	err := FetchCheckpoint(t.Context(), requester, provider.ID(), 1, 1, make([]byte, 32), filepath.Join(t.TempDir(), "cp"))
	if err == nil || !strings.Contains(err.Error(), "protocol") {
		t.Fatalf("got %v, want protocol negotiation to fail", err)
	}
}
