package offers

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// viewPruneEvery is how often Put sweeps expired offers out of the map.
const viewPruneEvery = time.Minute

// View is the live set of offers: the latest (highest sequence) per peer,
// without expired ones. It is safe for concurrent use and holds only copies.
type View struct {
	clock func() time.Time

	mu        sync.RWMutex
	offers    map[peer.ID]Offer
	changed   chan struct{}
	lastPrune time.Time
}

// NewView returns an empty view; WithClock sets its clock.
func NewView(opts ...Option) *View {
	o := buildOptions(opts)
	return &View{clock: o.clock, offers: make(map[peer.ID]Offer), changed: make(chan struct{})}
}

// Put stores o unless it has expired or the view holds a later sequence of
// the same peer; it reports whether o was stored.
func (v *View) Put(o Offer) bool {
	now := v.clock()
	if expired(o, now) {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if now.Sub(v.lastPrune) >= viewPruneEvery {
		v.pruneLocked(now)
	}
	if cur, ok := v.offers[o.PeerID]; ok && cur.Sequence >= o.Sequence {
		return false
	}
	v.offers[o.PeerID] = o.clone()
	v.notifyLocked()
	return true
}

// Get returns the peer's current offer; an expired one is absent.
func (v *View) Get(id peer.ID) (Offer, bool) {
	now := v.clock()
	v.mu.RLock()
	defer v.mu.RUnlock()
	o, ok := v.offers[id]
	if !ok || expired(o, now) {
		return Offer{}, false
	}
	return o.clone(), true
}

// List returns the unexpired offers sorted by price (numerically), then by
// peer ID, so equal views list equally.
func (v *View) List() []Offer {
	now := v.clock()
	v.mu.RLock()
	out := make([]Offer, 0, len(v.offers))
	for _, o := range v.offers {
		if !expired(o, now) {
			out = append(out, o.clone())
		}
	}
	v.mu.RUnlock()
	slices.SortFunc(out, func(a, b Offer) int {
		if c := comparePrices(a.PricePerGPUHour, b.PricePerGPUHour); c != 0 {
			return c
		}
		return strings.Compare(string(a.PeerID), string(b.PeerID))
	})
	return out
}

// Remove drops the peer's offer (a provider that left the chain).
func (v *View) Remove(id peer.ID) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.offers[id]; ok {
		delete(v.offers, id)
		v.notifyLocked()
	}
}

// Prune drops expired offers now and returns how many it dropped.
func (v *View) Prune() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.pruneLocked(v.clock())
}

// Changed returns a channel that is closed at the next change to the view;
// call it again after each wake-up.
func (v *View) Changed() <-chan struct{} {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.changed
}

func (v *View) pruneLocked(now time.Time) int {
	n := 0
	for id, o := range v.offers {
		if expired(o, now) {
			delete(v.offers, id)
			n++
		}
	}
	v.lastPrune = now
	if n > 0 {
		v.notifyLocked()
	}
	return n
}

func (v *View) notifyLocked() {
	close(v.changed)
	v.changed = make(chan struct{})
}

func expired(o Offer, now time.Time) bool { return o.Expiry <= now.Unix() }
