package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// handleLogs checks a signed request and streams the job's output.
func (s *Server) handleLogs(x *exchange) {
	b, ok := x.readRequest()
	if !ok {
		return
	}
	req, payload, err := decodeLogsRequest(b)
	if err != nil {
		x.refuse(StatusBadRequest, err.Error())
		return
	}
	x.log = x.log.With("job", req.JobID, "follow", req.Follow)
	if status, msg := s.authorize(x, req, payload); status != StatusOK {
		x.refuse(status, msg)
		return
	}
	s.streamLogs(x, req)
}

// authorize runs the checks of doc.go in order, cheapest first: the
// provider, the expiry, the signature, then the chain's client of the job.
func (s *Server) authorize(x *exchange, req logsRequest, payload []byte) (Status, string) {
	if req.Provider != s.h.ID() {
		return StatusForbidden, fmt.Sprintf("provider: request is for peer %s, this is %s", req.Provider, s.h.ID())
	}
	now := s.clock()
	if exp := time.Unix(req.Expiry, 0); !now.Before(exp) {
		return StatusForbidden, fmt.Sprintf("expiry: request expired at %s (now %s)", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	} else if exp.Sub(now) > MaxLogsRequestTTL {
		return StatusForbidden, fmt.Sprintf("expiry: %s is more than %s in the future", exp.UTC().Format(time.RFC3339), MaxLogsRequestTTL)
	}
	if err := req.verifySignature(payload); err != nil {
		return StatusForbidden, err.Error()
	}
	_, addr := req.signer()
	client, err := s.clients.ClientOf(x.ctx, req.JobID)
	switch {
	case errors.Is(err, ErrNotFound):
		return StatusNotFound, fmt.Sprintf("job: no job %d", req.JobID)
	case err != nil:
		x.log.Error("look up job client", "err", err)
		return StatusInternal, fmt.Sprintf("job: looking up the client of job %d failed", req.JobID)
	case !client.Equals(addr):
		return StatusForbidden, fmt.Sprintf("client: %s is not the client of job %d", addr, req.JobID)
	}
	return StatusOK, ""
}

// logReserve is what a logs stream reserves: one frame buffer.
const logReserve = framePrefixMax + MaxLogFrameBytes

// streamLogs sends the accept frame, then the output in data frames, then
// the end frame. The client keeps its write side open: when it closes or
// resets the stream, the source is closed and the stream reset.
func (s *Server) streamLogs(x *exchange, req logsRequest) {
	if err := x.st.Scope().ReserveMemory(logReserve, network.ReservationPriorityMedium); err != nil {
		x.refuse(StatusUnavailable, "resource limit: "+err.Error())
		return
	}
	defer x.st.Scope().ReleaseMemory(logReserve)

	srcCtx, cancelSrc := context.WithCancel(x.ctx)
	defer cancelSrc()
	src, err := s.logs.OpenLogs(srcCtx, req.JobID, req.Follow)
	switch {
	case errors.Is(err, ErrNotFound):
		x.refuse(StatusNotFound, fmt.Sprintf("logs: job %d has no logs here", req.JobID))
		return
	case err != nil:
		x.log.Error("open logs", "err", err)
		x.refuse(StatusInternal, fmt.Sprintf("logs: job %d: open failed", req.JobID))
		return
	}
	var closeOnce sync.Once
	closeSrc := func() { closeOnce.Do(func() { _ = src.Close() }) }
	defer closeSrc()
	stopClose := context.AfterFunc(srcCtx, closeSrc)
	defer stopClose()

	// The watcher notices the client going away: any read result (EOF,
	// reset, or bytes it had no business sending) cancels the source.
	_ = x.st.SetReadDeadline(time.Time{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		var one [1]byte
		_, _ = x.st.Read(one[:])
		cancelSrc()
	}()
	defer func() { <-watched }()

	buf := make([]byte, logReserve)
	buf[framePrefixMax] = frameOK
	if err := x.send(buf[:framePrefixMax+1]); err != nil {
		x.abort()
		return
	}
	buf[framePrefixMax] = frameLogData
	data := buf[framePrefixMax+1:]
	for {
		n, err := src.Read(data)
		if n > 0 {
			if werr := x.send(buf[:framePrefixMax+1+n]); werr != nil {
				x.log.Debug("send logs", "err", werr)
				x.abort()
				return
			}
		}
		switch {
		case srcCtx.Err() != nil:
			x.abort() // the client left or the server is closing
			return
		case errors.Is(err, io.EOF):
			buf[framePrefixMax] = frameLogEnd
			if err := x.send(buf[:framePrefixMax+1]); err != nil {
				x.abort()
				return
			}
			x.finish()
			return
		case err != nil:
			x.log.Error("read logs", "err", err)
			x.refuse(StatusInternal, fmt.Sprintf("logs: job %d: read failed", req.JobID))
			return
		}
	}
}
