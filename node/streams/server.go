package streams

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-msgio"
)

// Logs opens a job's output for the logs protocol.
type Logs interface {
	// OpenLogs returns the output of jobID from its start, or ErrNotFound.
	// Without follow the reader ends (io.EOF) at the output's current end;
	// with follow it blocks for more and ends only when the job's output
	// does. The server closes the reader when the client goes away or the
	// server closes; Close must then unblock a pending Read. ctx is
	// cancelled at the same time.
	OpenLogs(ctx context.Context, jobID uint64, follow bool) (io.ReadCloser, error)
}

// JobClients tells whose job a job is; the node backs it with the chain.
type JobClients interface {
	// ClientOf returns the chain address of jobID's client, or ErrNotFound.
	ClientOf(ctx context.Context, jobID uint64) (sdk.AccAddress, error)
}

// Server serves the checkpoint and logs protocols on a host.
type Server struct {
	h       host.Host
	cp      Checkpoints
	logs    Logs
	clients JobClients
	log     *slog.Logger
	clock   func() time.Time
	leaves  *leafCache

	ctx    context.Context // cancelled by Close; parent of every handler's
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed, so no handler joins wg once Close waits
	closed bool
	wg     sync.WaitGroup
}

// NewServer registers the handlers of CheckpointProtocol and LogsProtocol
// on h. Nil dependencies are wiring bugs and panic.
func NewServer(h host.Host, cp Checkpoints, logs Logs, clients JobClients, opts ...Option) *Server {
	if h == nil || cp == nil || logs == nil || clients == nil {
		panic("streams.NewServer: nil host, Checkpoints, Logs or JobClients")
	}
	o := buildOptions(opts)
	s := &Server{
		h: h, cp: cp, logs: logs, clients: clients,
		log:    o.logger.With("component", "streams"),
		clock:  o.clock,
		leaves: newLeafCache(leafCacheEntries, leafHashers),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	h.SetStreamHandler(CheckpointProtocol, s.handler(s.handleCheckpoint))
	h.SetStreamHandler(LogsProtocol, s.handler(s.handleLogs))
	return s
}

// Close removes the handlers, resets the streams being served and waits for
// their handlers to return. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.h.RemoveStreamHandler(CheckpointProtocol)
	s.h.RemoveStreamHandler(LogsProtocol)
	s.cancel()
	s.wg.Wait()
	return nil
}

// handler wraps a protocol handler: it tracks it for Close and attributes the
// stream to ServiceName.
func (s *Server) handler(serve func(*exchange)) network.StreamHandler {
	return func(st network.Stream) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = st.Reset()
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()

		x := &exchange{
			st:  st,
			r:   msgio.NewVarintReaderSize(st, MaxRequestBytes),
			log: s.log.With("peer", st.Conn().RemotePeer(), "protocol", st.Protocol()),
		}
		if err := st.Scope().SetService(ServiceName); err != nil {
			x.log.Debug("stream refused by resource manager", "err", err)
			x.refuse(StatusUnavailable, "resource limit: "+err.Error())
			return
		}
		ctx, cancel := context.WithCancel(s.ctx)
		defer cancel()
		x.ctx = ctx
		x.stopReset = context.AfterFunc(ctx, func() { _ = st.Reset() })
		_ = st.SetDeadline(time.Now().Add(RequestTimeout))
		serve(x)
	}
}

// exchange is one served stream.
type exchange struct {
	ctx       context.Context
	st        network.Stream
	r         msgio.Reader
	log       *slog.Logger
	stopReset func() bool // stops the reset on cancellation; false if it ran
}

// readRequest reads the request frame. An oversized frame or a malformed
// length is refused; any other failure resets the stream. ok is false if the stream is finished.
func (x *exchange) readRequest() ([]byte, bool) {
	buf := make([]byte, MaxRequestBytes)
	b, err := readFrame(x.r, buf)
	switch {
	case errors.Is(err, ErrOversized) || errors.Is(err, ErrMalformed):
		x.refuse(StatusBadRequest, err.Error())
		return nil, false
	case err != nil:
		x.log.Debug("read request", "err", err)
		x.abort()
		return nil, false
	}
	return b, true
}

// send writes one frame (payload after framePrefixMax bytes of headroom in
// buf) with a fresh write deadline.
func (x *exchange) send(buf []byte) error {
	_ = x.st.SetWriteDeadline(time.Now().Add(RequestTimeout))
	return writeFramed(x.st, buf)
}

// refuse sends an error frame and ends the stream.
func (x *exchange) refuse(s Status, msg string) {
	x.log.Debug("refused", "status", s, "msg", msg)
	if err := x.send(withHeadroom(encodeError(s, msg))); err != nil {
		x.abort()
		return
	}
	x.finish()
}

// finish ends a stream whose response is complete: half-close so the peer
// reads EOF after the last frame, then free the stream.
func (x *exchange) finish() {
	if x.stopReset != nil && !x.stopReset() {
		return // already reset
	}
	_ = x.st.CloseWrite()
	_ = x.st.Close()
}

// abort resets the stream.
func (x *exchange) abort() { _ = x.st.Reset() }

// framePrefixMax is the headroom a buffer keeps for its frame's length prefix.
const framePrefixMax = binary.MaxVarintLen64

// withHeadroom copies payload after framePrefixMax free bytes.
func withHeadroom(payload []byte) []byte {
	buf := make([]byte, framePrefixMax+len(payload))
	copy(buf[framePrefixMax:], payload)
	return buf
}

// writeFramed writes buf[framePrefixMax:] as one frame in one Write, putting
// its uvarint length just before it, so large frames are never copied.
func writeFramed(w io.Writer, buf []byte) error {
	if len(buf) < framePrefixMax {
		panic("streams: frame buffer without headroom")
	}
	var p [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(p[:], uint64(len(buf)-framePrefixMax))
	start := framePrefixMax - n
	copy(buf[start:], p[:n])
	if _, err := w.Write(buf[start:]); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}
