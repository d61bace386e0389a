package offers

import (
	"io"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Option sets an optional dependency of NewValidator, NewPublisher, NewView
// or Join; each ignores the options it has no use for.
type Option func(*options)

type options struct {
	clock   func() time.Time
	logger  *slog.Logger
	metrics *Metrics
	self    peer.ID
	view    *View
}

func buildOptions(opts []Option) options {
	o := options{clock: time.Now, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithClock replaces time.Now, for tests and simulations.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
}

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithMetrics sets the validator's counters; the default is a fresh,
// unregistered set.
func WithMetrics(m *Metrics) Option {
	return func(o *options) { o.metrics = m }
}

// WithSelf tells Join the local peer ID, so the read loop skips the node's
// own offers (pubsub delivers local publications to local subscribers).
func WithSelf(id peer.ID) Option {
	return func(o *options) { o.self = id }
}

// WithView makes Join feed an existing view instead of a new one.
func WithView(v *View) Option {
	return func(o *options) { o.view = v }
}
