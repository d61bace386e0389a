package offers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Registry answers which peer the chain registered for a provider address.
// The node wires it to the chain client; this package never talks to the chain.
type Registry interface {
	// PeerIDOf returns the peer ID registered for chainAddress, or an error
	// wrapping ErrNotRegistered when the chain has no such provider. Any
	// other error means the answer is unknown (chain unreachable).
	PeerIDOf(ctx context.Context, chainAddress string) (peer.ID, error)
}

// registryCache remembers Registry answers briefly: a registered peer for
// ttl, "not registered" for negTTL (shorter, so a new provider is heard soon).
// Failed lookups are not cached. The map is bounded by size.
type registryCache struct {
	reg    Registry
	ttl    time.Duration
	negTTL time.Duration
	size   int

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	id    peer.ID // empty: not registered
	until time.Time
}

func newRegistryCache(reg Registry, ttl, negTTL time.Duration, size int) *registryCache {
	return &registryCache{reg: reg, ttl: ttl, negTTL: negTTL, size: size, entries: make(map[string]cacheEntry)}
}

// lookup returns the registered peer, ErrNotRegistered, or the Registry's
// error. Concurrent misses for one address may each ask the Registry; that
// is rare and harmless.
func (c *registryCache) lookup(ctx context.Context, addr string, now time.Time) (peer.ID, error) {
	c.mu.Lock()
	e, ok := c.entries[addr]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		if e.id == "" {
			return "", ErrNotRegistered
		}
		return e.id, nil
	}

	id, err := c.reg.PeerIDOf(ctx, addr)
	switch {
	case errors.Is(err, ErrNotRegistered):
		c.store(addr, cacheEntry{until: now.Add(c.negTTL)}, now)
		return "", err
	case err != nil:
		return "", err
	case id == "":
		// A Registry bug; treat it as unknown rather than as a peer.
		return "", errors.New("registry returned an empty peer ID")
	}
	c.store(addr, cacheEntry{id: id, until: now.Add(c.ttl)}, now)
	return id, nil
}

func (c *registryCache) store(addr string, e cacheEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		for k, old := range c.entries {
			if !now.Before(old.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.size {
			clear(c.entries)
		}
	}
	c.entries[addr] = e
}

func (c *registryCache) invalidate(addr string) {
	c.mu.Lock()
	delete(c.entries, addr)
	c.mu.Unlock()
}
