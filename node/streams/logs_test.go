package streams

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// logsFixture is a provider serving job 5's logs to client.
type logsFixture struct {
	provider, requester host.Host
	logs                *fakeLogs
	client              keySigner
	server              *Server
}

func newLogsFixture(t *testing.T, opts ...Option) *logsFixture {
	t.Helper()
	f := &logsFixture{logs: newFakeLogs(), client: newSigner("client of job 5")}
	f.provider, f.requester = pair(t)
	f.server = startServer(t, f.provider, nil, f.logs, fakeClients{5: f.client.address()}, opts...)
	return f
}

func TestReadLogs(t *testing.T) {
	f := newLogsFixture(t)
	// More than one frame's worth, so the output comes in several frames.
	want := bytes.Repeat([]byte("epoch 1 loss 0.25\n"), 3*MaxLogFrameBytes/18)
	f.logs.add(5, want, false)
	r, err := ReadLogs(t.Context(), f.requester, f.provider.ID(), 5, false, f.client)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want %d", len(got), len(want))
	}

	// Empty output is an immediate end.
	f.logs.add(5, nil, false)
	r, err = ReadLogs(t.Context(), f.requester, f.provider.ID(), 5, false, f.client)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || len(got) != 0 {
		t.Fatalf("empty logs: %q, %v", got, err)
	}
}

func TestReadLogsFollow(t *testing.T) {
	f := newLogsFixture(t)
	w, _ := f.logs.add(5, []byte("line 1\n"), true)
	r, err := ReadLogs(t.Context(), f.requester, f.provider.ID(), 5, true, f.client)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	readLine := func(want string) {
		t.Helper()
		buf := make([]byte, len(want))
		if _, err := io.ReadFull(r, buf); err != nil || string(buf) != want {
			t.Fatalf("read %q, %v; want %q", buf, err, want)
		}
	}
	readLine("line 1\n")
	// Lines written after the request arrive as they are written.
	for _, line := range []string{"line 2\n", "line 3\n"} {
		go func() { _, _ = w.Write([]byte(line)) }()
		readLine(line)
	}
	// The output ends: so does the stream, cleanly.
	_ = w.Close()
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after the end: %q, %v", rest, err)
	}
}

// A client that stops reading a followed log stops the provider's reader.
func TestReadLogsCloseStopsFollowing(t *testing.T) {
	f := newLogsFixture(t)
	_, src := f.logs.add(5, []byte("line 1\n"), true)
	r, err := ReadLogs(t.Context(), f.requester, f.provider.ID(), 5, true, f.client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 7)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-src.closed:
	case <-time.After(testTimeout):
		t.Fatal("the provider kept following after the client closed")
	}
}

// Closing the server ends a followed stream on both sides.
func TestServerCloseEndsFollowing(t *testing.T) {
	f := newLogsFixture(t)
	_, src := f.logs.add(5, []byte("line 1\n"), true)
	r, err := ReadLogs(t.Context(), f.requester, f.provider.ID(), 5, true, f.client)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, 7)); err != nil {
		t.Fatal(err)
	}
	if err := f.server.Close(); err != nil {
		t.Fatal(err)
	}
	<-src.closed // Close waited for the handler, which closed the source
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("the stream ended cleanly although the output had not")
	}
}

func TestReadLogsRefused(t *testing.T) {
	stranger := newSigner("someone else")
	for _, tc := range []struct {
		name   string
		opts   []Option
		job    uint64
		signer keySigner
		want   error
		sub    string
	}{
		{"not the job's client", nil, 5, stranger, ErrForbidden, "is not the client of job 5"},
		{"expired", []Option{WithClock(func() time.Time { return time.Now().Add(10 * time.Minute) })}, 5, newSigner("client of job 5"), ErrForbidden, "expiry: request expired"},
		{"too far in the future", []Option{WithClock(func() time.Time { return time.Now().Add(-10 * time.Minute) })}, 5, newSigner("client of job 5"), ErrForbidden, "more than 5m0s in the future"},
		{"unknown job", nil, 6, newSigner("client of job 5"), ErrNotFound, "no job 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newLogsFixture(t, tc.opts...)
			f.logs.add(5, []byte("secret\n"), false)
			r, err := ReadLogs(t.Context(), f.requester, f.provider.ID(), tc.job, false, tc.signer)
			if err == nil {
				_ = r.Close()
				t.Fatal("read logs")
			}
			var re *RemoteError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || !strings.Contains(re.Message, tc.sub) {
				t.Fatalf("got %v, want %v with %q", err, tc.want, tc.sub)
			}
		})
	}
}

func TestLogsServerRefusesForgedRequests(t *testing.T) {
	f := newLogsFixture(t)
	f.logs.add(5, []byte("secret\n"), false)
	other := newHost(t)
	valid := logsRequest{JobID: 5, Provider: f.provider.ID(), Expiry: time.Now().Add(time.Minute).Unix()}

	forOther := valid
	forOther.Provider = other.ID()
	tampered := signedLogsRequest(t, f.client, valid)
	tampered[len(tampered)-1] ^= 1
	// A signature over the request for job 5, moved to a request for job 6.
	moved := signedLogsRequest(t, f.client, valid)
	moved[8] = 6
	noDomain := func() []byte {
		payload, _ := encodeLogsPayload(valid)
		sig, _ := f.client.key.Sign(payload)
		req := valid
		req.PubKey, req.Signature = f.client.key.PubKey().Bytes(), sig
		b, _ := encodeLogsRequest(req)
		return b
	}()
	badFollow := signedLogsRequest(t, f.client, valid)
	badFollow[len(badFollow)-pubKeyLen-signatureLen-1] = 2

	for _, tc := range []struct {
		name   string
		raw    []byte
		status Status
		sub    string
	}{
		{"for another provider", frame(signedLogsRequest(t, f.client, forOther)), StatusForbidden, "provider: request is for peer " + other.ID().String()},
		{"tampered signature", frame(tampered), StatusForbidden, "signature: does not verify"},
		{"signature moved to another job", frame(moved), StatusForbidden, "signature: does not verify"},
		{"signature without the domain", frame(noDomain), StatusForbidden, "signature: does not verify"},
		{"oversized frame", frame(make([]byte, MaxRequestBytes+1)), StatusBadRequest, "4097-byte frame, at most 4096"},
		{"follow flag", frame(badFollow), StatusBadRequest, "follow: 2"},
		{"empty", frame(nil), StatusBadRequest, "version: 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRemote(t, rawExchange(t, f.requester, f.provider.ID(), LogsProtocol, tc.raw), tc.status, tc.sub)
		})
	}
	// The valid request, sent the same way, is served.
	if b := rawExchange(t, f.requester, f.provider.ID(), LogsProtocol, frame(signedLogsRequest(t, f.client, valid))); len(b) != 1 || b[0] != frameOK {
		t.Fatalf("valid request answered %x", b)
	}
}

func TestReadLogsArguments(t *testing.T) {
	h := newHost(t)
	if _, err := ReadLogs(t.Context(), h, h.ID(), 1, false, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil signer: %v", err)
	}
	if _, err := ReadLogs(t.Context(), h, peer.ID("x"), 1, false, newSigner("a")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad provider: %v", err)
	}
	if _, err := ReadLogs(t.Context(), h, h.ID(), 1, false, ed25519Signer{ed25519.GenPrivKey()}); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("ed25519 key: %v", err)
	}
}

type ed25519Signer struct{ key *ed25519.PrivKey }

func (s ed25519Signer) Sign(msg []byte) ([]byte, cryptotypes.PubKey, error) {
	sig, err := s.key.Sign(msg)
	return sig, s.key.PubKey(), err
}
