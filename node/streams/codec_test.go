package streams

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cometbft/cometbft/crypto/merkle"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/gpunet/gpunet/runtime/commit"
)

func testPeerID(tb testing.TB, seed byte) peer.ID {
	tb.Helper()
	_, pub, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		tb.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func TestCheckpointRequestCodec(t *testing.T) {
	req := checkpointRequest{JobID: 1<<64 - 1, Step: 1<<63 - 1, Index: MaxChunks - 1}
	b, err := encodeCheckpointRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeCheckpointRequest(b); err != nil || got != req {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for name, bad := range map[string]checkpointRequest{
		"step":  {Step: -1},
		"index": {Index: MaxChunks},
	} {
		if _, err := encodeCheckpointRequest(bad); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), name+":") {
			t.Errorf("encode with bad %s: %v", name, err)
		}
	}
}

func TestLogsRequestCodec(t *testing.T) {
	s := newSigner("codec")
	req := logsRequest{JobID: 42, Provider: testPeerID(t, 1), Expiry: 1_700_000_000, Follow: true}
	b := signedLogsRequest(t, s, req)
	got, payload, err := decodeLogsRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.JobID != 42 || got.Provider != req.Provider || got.Expiry != req.Expiry || !got.Follow {
		t.Fatalf("decoded %+v", got)
	}
	if err := got.verifySignature(payload); err != nil {
		t.Fatal(err)
	}
	if _, addr := got.signer(); !addr.Equals(s.address()) {
		t.Fatalf("address %s, want %s", addr, s.address())
	}
	again, err := encodeLogsRequest(got)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("re-encoded differently: %v", err)
	}

	// Each invalid field is named.
	pubAt := len(b) - pubKeyLen - signatureLen
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"version", func(b []byte) []byte { b[0] = 2; return b }},
		{"provider", func(b []byte) []byte { b[10] ^= 0xff; return b }}, // first multihash byte
		{"expiry", func(b []byte) []byte {
			copy(b[10+len(req.Provider):], make([]byte, 8))
			return b
		}},
		{"follow", func(b []byte) []byte { b[pubAt-1] = 7; return b }},
		{"pubkey", func(b []byte) []byte { b[pubAt] = 0x04; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }},
		{"trailing", func(b []byte) []byte { return append(b, 0) }},
	} {
		_, _, err := decodeLogsRequest(tc.edit(bytes.Clone(b)))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
	if _, _, err := decodeLogsRequest(make([]byte, MaxRequestBytes+1)); !errors.Is(err, ErrOversized) {
		t.Errorf("oversized: %v", err)
	}
}

func TestChunkResponseCodec(t *testing.T) {
	data := testData(commit.ChunkSize+3, 9)
	_, c, leaves := writeCheckpoint(t, t.TempDir(), "cp", data)
	p, err := commit.Proof(leaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	chunk := data[commit.ChunkSize:]
	b, err := appendChunkHeader(nil, c.Chunks, p, len(chunk))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != chunkHeaderLen(len(p.Aunts)) {
		t.Fatalf("header of %d bytes, want %d", len(b), chunkHeaderLen(len(p.Aunts)))
	}
	b = append(b, chunk...)
	resp, err := decodeChunkResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := commit.VerifyChunk(c.Root, 1, c.Chunks, resp.Data, resp.proof(1)); err != nil {
		t.Fatal(err)
	}
	// The largest header with a full chunk fits the frame limit.
	if n := chunkHeaderLen(maxAunts) + commit.ChunkSize; n > MaxChunkFrameBytes {
		t.Fatalf("largest response %d bytes > %d", n, MaxChunkFrameBytes)
	}
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)-1],
		"trailing":  append(bytes.Clone(b), 0),
		"total":     func() []byte { x := bytes.Clone(b); copy(x[1:9], make([]byte, 8)); return x }(),
		"aunts":     func() []byte { x := bytes.Clone(b); x[1+8+32] = maxAunts + 1; return x }(),
	} {
		if _, err := decodeChunkResponse(bad); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := appendChunkHeader(nil, 1, &merkle.Proof{LeafHash: make([]byte, 31)}, 0); err == nil {
		t.Error("short leaf hash encoded")
	}
}

func TestErrorFrame(t *testing.T) {
	long := strings.Repeat("é", MaxMessageBytes) // 2 bytes a rune
	b := encodeError(StatusForbidden, long)
	s, msg, err := decodeError(b)
	if err != nil || s != StatusForbidden || len(msg) > MaxMessageBytes || !utf8.ValidString(msg) || !strings.HasPrefix(long, msg) {
		t.Fatalf("got %s %d bytes, %v", s, len(msg), err)
	}
	odd := encodeError(StatusForbidden, "x"+long) // the cut falls inside a rune
	if _, msg, err := decodeError(odd); err != nil || !utf8.ValidString(msg) {
		t.Fatalf("odd cut: %v", err)
	}
	for name, bad := range map[string][]byte{
		"status":    {9, 0, 0},
		"truncated": {1, 0, 5, 'a'},
		"trailing":  {1, 0, 0, 0},
		"message":   {1, 0, 1, 0xff},
	} {
		if _, _, err := decodeError(bad); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	re := &RemoteError{Peer: testPeerID(t, 2), Status: StatusNotFound, Message: "no job 3"}
	if !errors.Is(re, ErrNotFound) || errors.Is(re, ErrForbidden) || !strings.Contains(re.Error(), "no job 3") {
		t.Fatalf("RemoteError %v", re)
	}
}

func TestWriteFramedLengths(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, MaxChunkFrameBytes} {
		var out bytes.Buffer
		buf := make([]byte, framePrefixMax+n)
		if err := writeFramed(&out, buf); err != nil {
			t.Fatal(err)
		}
		got, err := readFrame(newVarintReader(&out), make([]byte, MaxChunkFrameBytes))
		if err != nil || len(got) != n {
			t.Fatalf("%d bytes: got %d, %v", n, len(got), err)
		}
	}
}
