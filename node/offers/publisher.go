package offers

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Content is the part of an offer that describes the node's state; the
// Publisher adds identity, sequence and expiry.
type Content struct {
	FreeGPUs        []GPUCount
	PricePerGPUHour string
}

// SequenceStore persists the last sequence number used, so a restarted node
// never signs two different offers with one number. node/store implements it.
type SequenceStore interface {
	LoadSequence() (uint64, error)
	SaveSequence(uint64) error
}

// Sink is where a Publisher sends signed offers; *Topic is one.
type Sink interface {
	Publish(ctx context.Context, signed []byte) error
}

var _ Sink = (*Topic)(nil)

// PublisherConfig sets how often and for how long offers are published.
type PublisherConfig struct {
	// Heartbeat re-publishes an unchanged state so offers never lapse.
	Heartbeat time.Duration
	// TTL is the lifetime of each offer; keep it above Heartbeat and at or
	// under the validators' MaxTTL minus clock skew.
	TTL time.Duration
	// MinInterval spaces publishes triggered by Notify, so a flapping GPU
	// state cannot flood the topic.
	MinInterval time.Duration
}

// DefaultPublisherConfig returns a 1 min heartbeat, a 5 min TTL and at most
// one publish a second.
func DefaultPublisherConfig() PublisherConfig {
	return PublisherConfig{Heartbeat: time.Minute, TTL: 5 * time.Minute, MinInterval: time.Second}
}

// Validate reports the first out-of-range field.
func (c PublisherConfig) Validate() error {
	switch {
	case c.Heartbeat <= 0:
		return fmt.Errorf("%w: Heartbeat %s", ErrInvalidConfig, c.Heartbeat)
	case c.TTL < time.Second || c.TTL <= c.Heartbeat:
		return fmt.Errorf("%w: TTL %s must be at least 1s and above Heartbeat %s", ErrInvalidConfig, c.TTL, c.Heartbeat)
	case c.MinInterval < 0 || c.MinInterval >= c.Heartbeat:
		return fmt.Errorf("%w: MinInterval %s must be in [0, Heartbeat)", ErrInvalidConfig, c.MinInterval)
	}
	return nil
}

// Publisher signs and publishes the node's offer when told the state changed
// (Notify) and at every heartbeat.
type Publisher struct {
	cfg     PublisherConfig
	key     crypto.PrivKey
	self    peer.ID
	address string
	source  func() Content
	store   SequenceStore
	sink    Sink
	clock   func() time.Time
	logger  *slog.Logger

	notify chan struct{}
	mu     sync.Mutex // serializes publishes and guards seq
	seq    uint64
}

// NewPublisher loads the last sequence from store. source is called at each
// publish for the current free GPUs and price.
func NewPublisher(cfg PublisherConfig, key crypto.PrivKey, chainAddress string, source func() Content,
	store SequenceStore, sink Sink, opts ...Option) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if key == nil || source == nil || store == nil || sink == nil {
		return nil, fmt.Errorf("%w: nil publisher dependency", ErrInvalidConfig)
	}
	self, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("new offer publisher: %w", err)
	}
	if err := validateAddress(chainAddress); err != nil {
		return nil, fmt.Errorf("%w: chain address: %w", ErrInvalidConfig, err)
	}
	seq, err := store.LoadSequence()
	if err != nil {
		return nil, fmt.Errorf("load offer sequence: %w", err)
	}
	o := buildOptions(opts)
	return &Publisher{
		cfg: cfg, key: key, self: self, address: chainAddress, source: source,
		store: store, sink: sink, clock: o.clock, logger: o.logger,
		notify: make(chan struct{}, 1), seq: seq,
	}, nil
}

// Notify asks Run to publish soon; calls coalesce and never block.
func (p *Publisher) Notify() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// Run publishes at once, then on Notify (at most once per MinInterval) and
// every Heartbeat, until ctx ends. A failed publish is logged and retried at
// the next trigger.
func (p *Publisher) Run(ctx context.Context) error {
	tick := time.NewTicker(p.cfg.Heartbeat)
	defer tick.Stop()
	for {
		last := time.Now()
		if _, err := p.PublishNow(ctx); err != nil && ctx.Err() == nil {
			p.logger.Warn("offer publish failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-p.notify:
			if wait := p.cfg.MinInterval - time.Since(last); wait > 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(wait):
				}
			}
			tick.Reset(p.cfg.Heartbeat)
		}
	}
}

// PublishNow signs the current state under the next sequence number, saves
// that number, then publishes. The number is saved first: a crash may skip
// a number but never reuses one.
func (p *Publisher) PublishNow(ctx context.Context) (Offer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock()
	c := p.source()
	o := Offer{
		PeerID:          p.self,
		ChainAddress:    p.address,
		FreeGPUs:        normalizeGPUs(c.FreeGPUs),
		PricePerGPUHour: c.PricePerGPUHour,
		Sequence:        p.nextSequence(now),
		Expiry:          now.Add(p.cfg.TTL).Unix(),
	}
	signed, err := Sign(p.key, o)
	if err != nil {
		return Offer{}, err
	}
	if err := p.store.SaveSequence(o.Sequence); err != nil {
		return Offer{}, fmt.Errorf("save offer sequence: %w", err)
	}
	p.seq = o.Sequence
	if err := p.sink.Publish(ctx, signed); err != nil {
		return Offer{}, err
	}
	return o, nil
}

// nextSequence is the stored sequence plus one, but at least the unix time:
// a node whose store was lost still moves past what its peers last saw.
func (p *Publisher) nextSequence(now time.Time) uint64 {
	return max(p.seq+1, uint64(max(now.Unix(), 0)))
}

// normalizeGPUs sorts by model, merges duplicate models and drops zero
// counts, which is the form Offer.Validate requires.
func normalizeGPUs(in []GPUCount) []GPUCount {
	out := make([]GPUCount, 0, len(in))
	for _, g := range in {
		if g.Count > 0 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b GPUCount) int { return cmp.Compare(a.Model, b.Model) })
	merged := out[:0]
	for _, g := range out {
		if n := len(merged); n > 0 && merged[n-1].Model == g.Model {
			merged[n-1].Count = satAdd(merged[n-1].Count, g.Count)
			continue
		}
		merged = append(merged, g)
	}
	return merged
}

func satAdd(a, b uint32) uint32 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint32(0)
}
