package streams

import (
	"bytes"
	"testing"

	"github.com/libp2p/go-msgio"
)

func newVarintReader(b *bytes.Buffer) msgio.Reader { return msgio.NewVarintReader(b) }

func FuzzDecodeCheckpointRequest(f *testing.F) {
	for _, r := range []checkpointRequest{{}, {JobID: 7, Step: 100, Index: 2}, {JobID: ^uint64(0), Step: 1<<63 - 1, Index: MaxChunks - 1}} {
		b, err := encodeCheckpointRequest(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := decodeCheckpointRequest(b)
		if err != nil {
			return
		}
		again, err := encodeCheckpointRequest(req)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", req, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, req, again)
		}
	})
}

func FuzzDecodeLogsRequest(f *testing.F) {
	s := newSigner("fuzz")
	for _, r := range []logsRequest{
		{JobID: 5, Provider: testPeerID(f, 1), Expiry: 1_700_000_000},
		{JobID: ^uint64(0), Provider: testPeerID(f, 2), Expiry: 1<<63 - 1, Follow: true},
	} {
		f.Add(signedLogsRequest(f, s, r))
	}
	f.Add([]byte{logsVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, payload, err := decodeLogsRequest(b)
		if err != nil {
			return
		}
		again, err := encodeLogsRequest(req)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", req, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, req, again)
		}
		if p, _ := encodeLogsPayload(req); !bytes.Equal(p, payload) {
			t.Fatalf("signed payload %x, want %x", payload, p)
		}
		_ = req.verifySignature(payload) // arbitrary keys and signatures must not panic
	})
}

func FuzzDecodeChunkResponse(f *testing.F) {
	f.Add([]byte{frameOK, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(append([]byte{frameOK, 0, 0, 0, 0, 0, 0, 0, 3}, make([]byte, 32+1+32+4+2)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := decodeChunkResponse(b)
		if err != nil {
			return
		}
		p := resp.proof(0)
		hdr, err := appendChunkHeader(nil, resp.Total, p, len(resp.Data))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(hdr, resp.Data...), b) {
			t.Fatal("decoded response re-encodes differently")
		}
	})
}
