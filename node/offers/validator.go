package offers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ValidatorConfig bounds what the validator accepts and how long it trusts
// registry answers.
type ValidatorConfig struct {
	// MaxTTL: an offer expiring later than now+MaxTTL is rejected, so a
	// signed offer cannot outlive its provider's state by much.
	MaxTTL time.Duration
	// RegistryTTL is how long a registered address→peer answer is reused.
	RegistryTTL time.Duration
	// NegativeRegistryTTL is how long "not registered" is reused.
	NegativeRegistryTTL time.Duration
	// RegistryCacheSize bounds the number of cached addresses.
	RegistryCacheSize int
	// Timeout bounds one message's validation (the registry lookup).
	Timeout time.Duration
}

// DefaultValidatorConfig returns the defaults: 10 min MaxTTL, registry
// answers cached 1 min (5 s when negative), 4096 addresses, 5 s timeout.
func DefaultValidatorConfig() ValidatorConfig {
	return ValidatorConfig{
		MaxTTL:              10 * time.Minute,
		RegistryTTL:         time.Minute,
		NegativeRegistryTTL: 5 * time.Second,
		RegistryCacheSize:   4096,
		Timeout:             5 * time.Second,
	}
}

// Validate reports the first out-of-range field.
func (c ValidatorConfig) Validate() error {
	switch {
	case c.MaxTTL < time.Second:
		return fmt.Errorf("%w: MaxTTL %s under 1s", ErrInvalidConfig, c.MaxTTL)
	case c.RegistryTTL < 0 || c.NegativeRegistryTTL < 0:
		return fmt.Errorf("%w: negative registry TTL", ErrInvalidConfig)
	case c.RegistryCacheSize < 1:
		return fmt.Errorf("%w: RegistryCacheSize %d", ErrInvalidConfig, c.RegistryCacheSize)
	case c.Timeout <= 0:
		return fmt.Errorf("%w: Timeout %s", ErrInvalidConfig, c.Timeout)
	}
	return nil
}

// seqPruneEvery is how often the per-peer sequence table drops old entries.
const seqPruneEvery = time.Minute

// Validator decides, for every message on TopicName, whether gossipsub
// relays it (Accept), drops it and penalizes the sender (Reject: forged or
// invalid), or drops it without penalty (Ignore: stale, or undecidable).
// The checks and their order are listed in doc.go.
type Validator struct {
	cfg     ValidatorConfig
	cache   *registryCache
	clock   func() time.Time
	metrics *Metrics
	logger  *slog.Logger

	mu        sync.Mutex
	last      map[peer.ID]seqEntry
	lastPrune time.Time
}

// seqEntry is the last accepted sequence of a peer; it is forgotten after
// keepUntil, when every offer it could shadow has expired.
type seqEntry struct {
	seq       uint64
	keepUntil time.Time
}

var _ pubsub.ValidatorEx = (*Validator)(nil).Validate

// NewValidator returns a validator that checks registrations with reg.
func NewValidator(cfg ValidatorConfig, reg Registry, opts ...Option) (*Validator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if reg == nil {
		return nil, fmt.Errorf("%w: nil Registry", ErrInvalidConfig)
	}
	o := buildOptions(opts)
	if o.metrics == nil {
		m, err := NewMetrics(nil)
		if err != nil {
			return nil, err
		}
		o.metrics = m
	}
	return &Validator{
		cfg:     cfg,
		cache:   newRegistryCache(reg, cfg.RegistryTTL, cfg.NegativeRegistryTTL, cfg.RegistryCacheSize),
		clock:   o.clock,
		metrics: o.metrics,
		logger:  o.logger,
		last:    make(map[peer.ID]seqEntry),
	}, nil
}

// Metrics returns the validator's counters.
func (v *Validator) Metrics() *Metrics { return v.metrics }

// Invalidate forgets the cached registration of chainAddress; the chain
// watcher calls it when a provider registers or changes its peer ID.
func (v *Validator) Invalidate(chainAddress string) { v.cache.invalidate(chainAddress) }

// Validate is the pubsub.ValidatorEx for TopicName. On Accept it stores the
// decoded Offer in msg.ValidatorData for the subscriber.
func (v *Validator) Validate(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	v.metrics.seen.Inc()
	o, reason, res := v.check(ctx, msg.GetFrom(), msg.GetData())
	if res != pubsub.ValidationAccept {
		v.metrics.dropped.WithLabelValues(reason).Inc()
		v.logger.Debug("offer dropped", "reason", reason, "author", msg.GetFrom(), "via", from)
		return res
	}
	v.metrics.accepted.Inc()
	msg.ValidatorData = o
	return res
}

// check runs the checks in order and returns the first failure's reason.
func (v *Validator) check(ctx context.Context, author peer.ID, data []byte) (Offer, string, pubsub.ValidationResult) {
	if len(data) > MaxOfferBytes {
		return Offer{}, ReasonOversized, pubsub.ValidationReject
	}
	o, env, err := decode(data)
	if err != nil {
		return Offer{}, ReasonMalformed, pubsub.ValidationReject
	}
	// StrictSign makes pubsub verify the author's signature on the message,
	// so only the peer itself can publish its offer; nobody relays it under
	// a new pubsub message of their own.
	if author == "" || author != o.PeerID {
		return Offer{}, ReasonWrongSender, pubsub.ValidationReject
	}
	if err := verifySignature(o.PeerID, env); err != nil {
		return Offer{}, ReasonBadSignature, pubsub.ValidationReject
	}
	now := v.clock()
	if o.Expiry <= now.Unix() {
		return Offer{}, ReasonExpired, pubsub.ValidationIgnore
	}
	if o.Expiry > now.Add(v.cfg.MaxTTL).Unix() {
		return Offer{}, ReasonTooFarFuture, pubsub.ValidationReject
	}
	id, err := v.cache.lookup(ctx, o.ChainAddress, now)
	switch {
	case errors.Is(err, ErrNotRegistered):
		return Offer{}, ReasonUnregistered, pubsub.ValidationReject
	case err != nil:
		v.logger.Debug("offer registry lookup failed", "address", o.ChainAddress, "err", err)
		return Offer{}, ReasonRegistryError, pubsub.ValidationIgnore
	case id != o.PeerID:
		return Offer{}, ReasonPeerMismatch, pubsub.ValidationReject
	}
	if !v.advance(o, now) {
		return Offer{}, ReasonReplayed, pubsub.ValidationIgnore
	}
	return o, "", pubsub.ValidationAccept
}

// advance records o.Sequence as the peer's last if it is newer.
func (v *Validator) advance(o Offer, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if now.Sub(v.lastPrune) >= seqPruneEvery {
		for id, e := range v.last {
			if now.After(e.keepUntil) {
				delete(v.last, id)
			}
		}
		v.lastPrune = now
	}
	if e, ok := v.last[o.PeerID]; ok && o.Sequence <= e.seq {
		return false
	}
	// Every older offer of this peer was signed before this one arrived, so
	// with an honest TTL (at most MaxTTL) it expires by now+MaxTTL; after
	// that the entry shadows nothing and can go.
	v.last[o.PeerID] = seqEntry{seq: o.Sequence, keepUntil: now.Add(v.cfg.MaxTTL)}
	return true
}
