package offers

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons label gpunet_offers_dropped_total. Each names one validator check;
// the pubsub verdict it gives is in doc.go.
const (
	ReasonOversized     = "oversized"      // Reject: over MaxOfferBytes
	ReasonMalformed     = "malformed"      // Reject: not a canonical, valid encoding
	ReasonWrongSender   = "wrong_sender"   // Reject: pubsub author is not Offer.PeerID
	ReasonBadSignature  = "bad_signature"  // Reject: signature not by Offer.PeerID
	ReasonExpired       = "expired"        // Ignore: Expiry <= now
	ReasonTooFarFuture  = "too_far_future" // Reject: Expiry > now + MaxTTL
	ReasonUnregistered  = "unregistered"   // Reject: chain has no provider at the address
	ReasonPeerMismatch  = "peer_mismatch"  // Reject: address registered to another peer
	ReasonRegistryError = "registry_error" // Ignore: the lookup failed; cannot tell
	ReasonReplayed      = "replayed"       // Ignore: Sequence <= last accepted
)

// reasons lists every label value so each series exists from the start.
var reasons = []string{
	ReasonOversized, ReasonMalformed, ReasonWrongSender, ReasonBadSignature,
	ReasonExpired, ReasonTooFarFuture, ReasonUnregistered, ReasonPeerMismatch,
	ReasonRegistryError, ReasonReplayed,
}

// Metrics are the validator's Prometheus counters.
type Metrics struct {
	seen     prometheus.Counter
	accepted prometheus.Counter
	dropped  *prometheus.CounterVec
}

// NewMetrics creates the counters and registers them with reg; a nil reg
// leaves them unregistered (tests, benchmarks).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		seen: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gpunet_offers_seen_total",
			Help: "Offers that reached the offer validator.",
		}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gpunet_offers_accepted_total",
			Help: "Offers the offer validator accepted.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpunet_offers_dropped_total",
			Help: "Offers the offer validator dropped, by reason.",
		}, []string{"reason"}),
	}
	for _, r := range reasons {
		m.dropped.WithLabelValues(r)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.seen, m.accepted, m.dropped} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register offer metrics: %w", err)
			}
		}
	}
	return m, nil
}

// Dropped is the counter of offers dropped for reason.
func (m *Metrics) Dropped(reason string) prometheus.Counter {
	return m.dropped.WithLabelValues(reason)
}

// Seen is the counter of offers that reached the validator.
func (m *Metrics) Seen() prometheus.Counter { return m.seen }

// Accepted is the counter of offers the validator accepted.
func (m *Metrics) Accepted() prometheus.Counter { return m.accepted }
