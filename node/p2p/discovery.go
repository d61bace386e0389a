package p2p

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	// connectTimeout bounds one dial of one peer.
	connectTimeout = 15 * time.Second
	// findTimeout bounds one rendezvous lookup.
	findTimeout = time.Minute
	// maxParallelDials bounds the dials one rendezvous lookup starts at once.
	maxParallelDials = 8
)

func parseDHTMode(s string) (dht.ModeOpt, error) {
	switch s {
	case DHTModeServer:
		return dht.ModeServer, nil
	case DHTModeClient:
		return dht.ModeClient, nil
	case DHTModeAuto:
		return dht.ModeAuto, nil
	default:
		return 0, fmt.Errorf("unknown DHT mode %q", s)
	}
}

// startDiscovery starts one redial loop per bootstrap peer, the rendezvous
// advertiser and the rendezvous finder. Close stops them all.
func (h *Host) startDiscovery() {
	for _, ai := range h.bootstrap {
		h.spawn(func() { h.keepBootstrapPeer(h.ctx, ai) })
	}
	h.spawn(func() { h.advertiseLoop(h.ctx) })
	h.spawn(func() { h.findLoop(h.ctx) })
}

// keepBootstrapPeer dials ai whenever the host is not connected to it, backing
// off exponentially (with jitter) from BootstrapBackoffMin to
// BootstrapBackoffMax while it stays unreachable.
func (h *Host) keepBootstrapPeer(ctx context.Context, ai peer.AddrInfo) {
	backoff := h.cfg.BootstrapBackoffMin
	wait := time.Duration(0)
	for {
		if !sleep(ctx, wait) {
			return
		}
		wait = h.cfg.BootstrapBackoffMin // poll interval while connected
		if h.host.Network().Connectedness(ai.ID) == network.Connected {
			continue
		}
		// Our backoff replaces the swarm's, which would otherwise refuse
		// redials of a restarted bootstrap peer for up to five minutes.
		dctx := network.WithForceDirectDial(ctx, "gpunet bootstrap redial")
		if err := h.connect(dctx, ai); err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = backoff/2 + rand.N(backoff/2+1)
			h.log.Warn("bootstrap peer unreachable", "peer", ai.ID.String(), "error", err, "retry_in", wait)
			backoff = min(backoff*2, h.cfg.BootstrapBackoffMax)
			continue
		}
		backoff = h.cfg.BootstrapBackoffMin
		h.log.Info("connected to bootstrap peer", "peer", ai.ID.String())
		if err := h.dht.Bootstrap(ctx); err != nil {
			h.log.Debug("refresh DHT routing table", "error", err)
		}
	}
}

// advertiseLoop keeps a provider record for the rendezvous in the DHT. Until
// the routing table has peers advertising fails; it is retried every
// DiscoveryInterval.
func (h *Host) advertiseLoop(ctx context.Context) {
	for {
		wait := h.cfg.AdvertiseInterval
		if _, err := h.disc.Advertise(ctx, h.cfg.Rendezvous); err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = h.cfg.DiscoveryInterval
			level := h.log.Warn
			if h.dht.RoutingTable().Size() == 0 {
				level = h.log.Debug // expected until the first peer is known
			}
			level("advertise rendezvous failed", "rendezvous", h.cfg.Rendezvous, "error", err, "retry_in", wait)
		} else {
			h.log.Debug("advertised rendezvous", "rendezvous", h.cfg.Rendezvous, "renew_in", wait)
		}
		if !sleep(ctx, wait) {
			return
		}
	}
}

// findLoop looks up the rendezvous every DiscoveryInterval and dials the peers
// it finds, up to MaxPeers.
func (h *Host) findLoop(ctx context.Context) {
	for {
		h.findPeersOnce(ctx)
		if !sleep(ctx, h.cfg.DiscoveryInterval) {
			return
		}
	}
}

func (h *Host) findPeersOnce(ctx context.Context) {
	if len(h.Peers()) >= h.cfg.MaxPeers || h.dht.RoutingTable().Size() == 0 {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, findTimeout)
	defer cancel()
	found, err := h.disc.FindPeers(fctx, h.cfg.Rendezvous)
	if err != nil {
		h.log.Warn("find rendezvous peers failed", "rendezvous", h.cfg.Rendezvous, "error", err)
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, maxParallelDials)
	for ai := range found { // drained to the end: the DHT closes it
		if !h.shouldDial(ai) {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-fctx.Done():
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := h.connect(fctx, ai); err != nil {
				h.log.Debug("dial discovered peer failed", "peer", ai.ID.String(), "error", err)
				return
			}
			h.log.Info("connected to discovered peer", "peer", ai.ID.String(), "via", "rendezvous")
		})
	}
}

// shouldDial reports whether a discovered peer is worth a dial now.
func (h *Host) shouldDial(ai peer.AddrInfo) bool {
	return ai.ID != h.host.ID() && len(ai.Addrs) > 0 && !h.gater.isDenied(ai.ID) &&
		h.host.Network().Connectedness(ai.ID) != network.Connected &&
		len(h.Peers()) < h.cfg.MaxPeers
}

func (h *Host) connect(ctx context.Context, ai peer.AddrInfo) error {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := h.host.Connect(ctx, ai); err != nil {
		return fmt.Errorf("connect to %s: %w", ai.ID, err)
	}
	return nil
}

// sleep waits d or until ctx is done; it reports whether to carry on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
