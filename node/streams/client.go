package streams

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
)

// call is the requester's side of one stream.
type call struct {
	st       network.Stream
	r        msgio.Reader
	peer     peer.ID
	stop     func() bool // stops the reset on ctx cancellation
	reserved int
}

// openCall opens a stream for proto, attributes it to ServiceName, reserves
// reserve bytes of its scope for the response buffer, sends req and sets the
// exchange's deadline (RequestTimeout, or ctx's if sooner). Cancelling ctx
// resets the stream until end.
func openCall(ctx context.Context, h host.Host, p peer.ID, proto protocol.ID, req []byte, reserve, maxFrame int) (_ *call, err error) {
	st, err := h.NewStream(ctx, p, proto)
	if err != nil {
		return nil, fmt.Errorf("open %s stream: %w", proto, err)
	}
	c := &call{st: st, r: msgio.NewVarintReaderSize(st, maxFrame), peer: p}
	defer func() {
		if err != nil {
			c.end(false)
		}
	}()
	if err := st.Scope().SetService(ServiceName); err != nil {
		return c, fmt.Errorf("%w: resource manager: %w", ErrUnavailable, err)
	}
	if err := st.Scope().ReserveMemory(reserve, network.ReservationPriorityHigh); err != nil {
		return c, fmt.Errorf("%w: resource manager: %w", ErrUnavailable, err)
	}
	c.reserved = reserve
	c.stop = context.AfterFunc(ctx, func() { _ = st.Reset() })
	deadline := time.Now().Add(RequestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = st.SetDeadline(deadline)
	if err := writeFramed(st, withHeadroom(req)); err != nil {
		return c, fmt.Errorf("send request: %w", err)
	}
	return c, nil
}

// end frees the stream: Close after a complete exchange, Reset otherwise.
// It is safe to call more than once (libp2p streams ignore a second
// Close or Reset).
func (c *call) end(ok bool) {
	if c.stop != nil && !c.stop() {
		ok = false // the context reset it
	}
	if ok {
		_ = c.st.Close()
	} else {
		_ = c.st.Reset()
	}
	if c.reserved > 0 {
		c.st.Scope().ReleaseMemory(c.reserved)
		c.reserved = 0
	}
}

// remoteError decodes an error frame; malformed ones are reported as such.
func (c *call) remoteError(b []byte) error {
	s, msg, err := decodeError(b)
	if err != nil {
		return err
	}
	return &RemoteError{Peer: c.peer, Status: s, Message: msg}
}
