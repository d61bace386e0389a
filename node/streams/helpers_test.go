package streams

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"

	"github.com/gpunet/gpunet/runtime/commit"
)

// Generous bounds: these tests run on a loaded two-core machine.
const testTimeout = time.Minute

// newHost is a libp2p host on 127.0.0.1 only, closed when the test ends.
func newHost(tb testing.TB) host.Host {
	tb.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = h.Close() })
	return h
}

// connect dials b from a directly.
func connect(tb testing.TB, a, b host.Host) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		tb.Fatal(err)
	}
}

// pair is a provider host and a requester host, connected.
func pair(tb testing.TB) (provider, requester host.Host) {
	provider, requester = newHost(tb), newHost(tb)
	connect(tb, requester, provider)
	return provider, requester
}

func startServer(tb testing.TB, h host.Host, cp Checkpoints, logs Logs, clients JobClients, opts ...Option) *Server {
	tb.Helper()
	if cp == nil {
		cp = newFakeCheckpoints()
	}
	if logs == nil {
		logs = newFakeLogs()
	}
	if clients == nil {
		clients = fakeClients{}
	}
	s := NewServer(h, cp, logs, clients, opts...)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// testData is n deterministic pseudo-random bytes.
func testData(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// writeCheckpoint writes data under dir and commits to it.
func writeCheckpoint(tb testing.TB, dir, name string, data []byte) (string, commit.Commitment, [][]byte) {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	c, leaves, err := commit.File(context.Background(), path, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return path, c, leaves
}

type cpKey struct {
	job  uint64
	step int64
}

type cpFile struct {
	path string
	root []byte
}

// fakeCheckpoints serves files from paths, each with the root it is told.
type fakeCheckpoints struct {
	mu    sync.Mutex
	files map[cpKey]cpFile
	opens int
}

var _ Checkpoints = (*fakeCheckpoints)(nil)

func newFakeCheckpoints() *fakeCheckpoints { return &fakeCheckpoints{files: make(map[cpKey]cpFile)} }

func (f *fakeCheckpoints) add(job uint64, step int64, path string, root []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[cpKey{job, step}] = cpFile{path, root}
}

func (f *fakeCheckpoints) OpenCheckpoint(_ context.Context, job uint64, step int64) (*os.File, []byte, error) {
	f.mu.Lock()
	c, ok := f.files[cpKey{job, step}]
	f.opens++
	f.mu.Unlock()
	if !ok {
		return nil, nil, ErrNotFound
	}
	file, err := os.Open(c.path)
	return file, c.root, err
}

// fakeLogs serves fixed output, and in follow mode a pipe after it.
type fakeLogs struct {
	mu   sync.Mutex
	jobs map[uint64]*logSource
}

var _ Logs = (*fakeLogs)(nil)

func newFakeLogs() *fakeLogs { return &fakeLogs{jobs: make(map[uint64]*logSource)} }

// logSource is a job's output so far and, for followers, what comes next.
type logSource struct {
	initial []byte
	next    *io.PipeReader // nil: the output has ended
	closed  chan struct{}  // closed when a follower's reader is closed
	once    sync.Once
}

// add sets a job's output; with live, it also returns the writer of what
// follows, which the test closes to end the output.
func (f *fakeLogs) add(job uint64, initial []byte, live bool) (*io.PipeWriter, *logSource) {
	src := &logSource{initial: initial, closed: make(chan struct{})}
	var w *io.PipeWriter
	if live {
		src.next, w = io.Pipe()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[job] = src
	return w, src
}

func (f *fakeLogs) OpenLogs(_ context.Context, job uint64, follow bool) (io.ReadCloser, error) {
	f.mu.Lock()
	src, ok := f.jobs[job]
	f.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}
	if !follow || src.next == nil {
		return io.NopCloser(bytes.NewReader(src.initial)), nil
	}
	return &followReader{Reader: io.MultiReader(bytes.NewReader(src.initial), src.next), src: src}, nil
}

type followReader struct {
	io.Reader
	src *logSource
}

func (r *followReader) Close() error {
	r.src.once.Do(func() {
		r.src.next.CloseWithError(errors.New("follower closed"))
		close(r.src.closed)
	})
	return nil
}

// fakeClients maps jobs to their clients.
type fakeClients map[uint64]sdk.AccAddress

var _ JobClients = fakeClients(nil)

func (f fakeClients) ClientOf(_ context.Context, job uint64) (sdk.AccAddress, error) {
	a, ok := f[job]
	if !ok {
		return nil, ErrNotFound
	}
	return a, nil
}

// keySigner signs with a cosmos-sdk secp256k1 key, as the keyring does.
type keySigner struct{ key *secp256k1.PrivKey }

var _ Signer = keySigner{}

func newSigner(seed string) keySigner {
	return keySigner{secp256k1.GenPrivKeyFromSecret([]byte(seed))}
}

func (s keySigner) Sign(msg []byte) ([]byte, cryptotypes.PubKey, error) {
	sig, err := s.key.Sign(msg)
	return sig, s.key.PubKey(), err
}

func (s keySigner) address() sdk.AccAddress { return sdk.AccAddress(s.key.PubKey().Address()) }

// signedLogsRequest builds a request frame as ReadLogs does, with edit
// applied to the request before it is signed.
func signedLogsRequest(tb testing.TB, s keySigner, req logsRequest) []byte {
	tb.Helper()
	payload, err := encodeLogsPayload(req)
	if err != nil {
		tb.Fatal(err)
	}
	sig, pub, err := s.Sign(logsSignBytes(payload))
	if err != nil {
		tb.Fatal(err)
	}
	req.PubKey, req.Signature = pub.Bytes(), sig
	b, err := encodeLogsRequest(req)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rawExchange sends raw (already framed) bytes on a new stream and returns
// the first response frame.
func rawExchange(tb testing.TB, h host.Host, p peer.ID, proto protocol.ID, raw []byte) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	st, err := h.NewStream(ctx, p, proto)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	_ = st.SetDeadline(time.Now().Add(testTimeout))
	if _, err := st.Write(raw); err != nil {
		tb.Fatal(err)
	}
	b, err := readFrame(msgio.NewVarintReader(st), make([]byte, MaxChunkFrameBytes))
	if err != nil {
		tb.Fatalf("read response: %v", err)
	}
	return b
}

// frame prefixes payload with its length.
func frame(payload []byte) []byte {
	buf := withHeadroom(payload)
	var out bytes.Buffer
	if err := writeFramed(&out, buf); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// wantRemote asserts that b is an error frame with status s whose message
// contains sub.
func wantRemote(tb testing.TB, b []byte, s Status, sub string) {
	tb.Helper()
	got, msg, err := decodeError(b)
	if err != nil {
		tb.Fatalf("response %x is not an error frame: %v", b, err)
	}
	if got != s || !bytes.Contains([]byte(msg), []byte(sub)) {
		tb.Fatalf("got %s %q, want %s containing %q", got, msg, s, sub)
	}
}

// dirEntries lists dir's names.
func dirEntries(tb testing.TB, dir string) []string {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
