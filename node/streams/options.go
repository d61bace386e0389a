package streams

import (
	"log/slog"
	"time"
)

// Option sets an optional dependency of NewServer.
type Option func(*options)

type options struct {
	clock  func() time.Time
	logger *slog.Logger
}

func buildOptions(opts []Option) options {
	o := options{clock: time.Now, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithClock replaces time.Now for the logs requests' expiry checks, for tests
// and simulations. Deadlines on streams always use the real clock.
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

// FetchOption tunes FetchCheckpoint.
type FetchOption func(*fetchOptions)

type fetchOptions struct {
	parallel int
	chunks   uint64 // 0: learn from the provider
	maxSize  uint64 // 0: no limit
}

// DefaultFetchParallel is how many chunks FetchCheckpoint has in flight.
const DefaultFetchParallel = 4

// MaxFetchParallel bounds WithParallel.
const MaxFetchParallel = 16

func buildFetchOptions(opts []FetchOption) fetchOptions {
	o := fetchOptions{parallel: DefaultFetchParallel}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithParallel sets how many chunk requests are in flight (1..16).
func WithParallel(n int) FetchOption {
	return func(o *fetchOptions) { o.parallel = n }
}

// WithChunkCount pins the chunk count to the chain's record of the
// commitment: a provider that claims another count is refused at once.
// Without it the count is the provider's, and the download is bound to the
// root only once every chunk has verified (see doc.go).
func WithChunkCount(n uint64) FetchOption {
	return func(o *fetchOptions) { o.chunks = n }
}

// WithMaxSize refuses a checkpoint whose chunk count implies more than n
// bytes, before anything beyond the first chunk is downloaded.
func WithMaxSize(n uint64) FetchOption {
	return func(o *fetchOptions) { o.maxSize = n }
}
