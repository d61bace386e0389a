package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Signer signs with the client's chain key. The Cosmos keyring fits it
// (Keyring.Sign with a fixed uid and SIGN_MODE_DIRECT): the key must be
// secp256k1 and sign SHA-256(msg) as R || S, as cosmos-sdk's secp256k1 does.
type Signer interface {
	Sign(msg []byte) ([]byte, cryptotypes.PubKey, error)
}

// ReadLogs asks provider for the output of jobID, signed by signer (the
// job's client), and returns it as a stream of bytes: io.EOF at the end of
// the output (with follow, once the job's output ends). A refusal is a
// *RemoteError matching ErrForbidden, ErrNotFound, ... Closing the reader
// before the end, or cancelling ctx, stops the provider. The request
// expires LogsRequestTTL after it is made.
func ReadLogs(ctx context.Context, h host.Host, provider peer.ID, jobID uint64, follow bool, signer Signer) (io.ReadCloser, error) {
	where := fmt.Sprintf("read logs of job %d from %s", jobID, provider)
	if h == nil || provider == "" || signer == nil {
		return nil, fmt.Errorf("%s: %w: no host, provider or signer", where, ErrInvalidArgument)
	}
	req := logsRequest{JobID: jobID, Provider: provider, Expiry: time.Now().Add(LogsRequestTTL).Unix(), Follow: follow}
	payload, err := encodeLogsPayload(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	sig, pub, err := signer.Sign(logsSignBytes(payload))
	if err != nil {
		return nil, fmt.Errorf("%s: sign: %w", where, err)
	}
	k, ok := pub.(*secp256k1.PubKey)
	if !ok || len(k.Key) != pubKeyLen {
		return nil, fmt.Errorf("%s: %w: %T, want a cosmos-sdk secp256k1 key", where, ErrUnsupportedKey, pub)
	}
	req.PubKey, req.Signature = k.Key, sig
	b, err := encodeLogsRequest(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}

	c, err := openCall(ctx, h, provider, LogsProtocol, b, logReserve, MaxLogFrameBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, ctxErr(ctx, err))
	}
	// The write side stays open: closing it tells the provider to stop.
	l := &logReader{ctx: ctx, c: c, follow: follow, where: where, buf: make([]byte, MaxLogFrameBytes)}
	head, err := readFrame(c.r, l.buf)
	switch {
	case err != nil:
		err = fmt.Errorf("%s: read response: %w", where, ctxErr(ctx, err))
	case len(head) == 1 && head[0] == frameOK:
	case len(head) > 0 && Status(head[0]).isError():
		err = fmt.Errorf("%s: %w", where, c.remoteError(head))
	default:
		err = fmt.Errorf("%s: %w: first frame is not an answer", where, ErrMalformed)
	}
	if err != nil {
		c.end(false)
		return nil, err
	}
	if follow {
		_ = c.st.SetReadDeadline(time.Time{}) // the job may be quiet for long
	}
	return l, nil
}

// logReader turns data frames into bytes. Read is for one goroutine; Close
// may be called from another to stop a blocked Read.
type logReader struct {
	ctx     context.Context
	c       *call
	follow  bool
	where   string
	buf     []byte
	pending []byte
	err     error       // sticky: io.EOF after the end frame, else the failure
	ended   atomic.Bool // the end frame arrived
	once    sync.Once
}

var _ io.ReadCloser = (*logReader)(nil)

func (l *logReader) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.next()
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// next reads one frame into pending or err.
func (l *logReader) next() {
	if !l.follow {
		_ = l.c.st.SetReadDeadline(time.Now().Add(RequestTimeout))
	}
	b, err := readFrame(l.c.r, l.buf)
	switch {
	case errors.Is(err, io.EOF):
		l.err = fmt.Errorf("%s: %w: the stream ended without an end frame", l.where, io.ErrUnexpectedEOF)
	case err != nil:
		l.err = fmt.Errorf("%s: %w", l.where, ctxErr(l.ctx, err))
	case len(b) > 1 && b[0] == frameLogData:
		l.pending = b[1:]
	case len(b) == 1 && b[0] == frameLogEnd:
		l.ended.Store(true)
		l.err = io.EOF
	case len(b) > 0 && Status(b[0]).isError():
		l.err = fmt.Errorf("%s: %w", l.where, l.c.remoteError(b))
	default:
		l.err = fmt.Errorf("%s: %w: unexpected frame", l.where, ErrMalformed)
	}
}

// Close ends the stream: a clean close after the end frame, a reset (which
// stops the provider) before it.
func (l *logReader) Close() error {
	l.once.Do(func() { l.c.end(l.ended.Load()) })
	return nil
}
