package p2p

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	ma "github.com/multiformats/go-multiaddr"
)

// TestTransports dials over TCP only and over QUIC only, each with a fresh
// pair of hosts: TCP must be secured by Noise, QUIC by its own TLS.
func TestTransports(t *testing.T) {
	for _, tc := range []struct{ transport, marker string }{{"tcp", "/tcp/"}, {"quic-v1", "/quic-v1"}} {
		t.Run(tc.transport, func(t *testing.T) {
			a := startHost(t, "a", testConfig(), newKey(t), nil)
			b := startHost(t, "b", testConfig(), newKey(t), nil)
			var addrs []ma.Multiaddr
			for _, addr := range a.Host().Addrs() {
				if strings.Contains(addr.String(), tc.marker) {
					addrs = append(addrs, addr)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := b.Host().Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: addrs}); err != nil {
				t.Fatalf("connect: %v", err)
			}
			var st []network.ConnectionState
			for _, c := range b.Host().Network().ConnsToPeer(a.ID()) {
				st = append(st, c.ConnState())
			}
			if !slices.ContainsFunc(st, func(s network.ConnectionState) bool {
				return s.Transport == tc.transport && (tc.transport != "tcp" || s.Security == noise.ID)
			}) {
				t.Errorf("connections %+v: want one over %s (with %s on tcp)", st, tc.transport, noise.ID)
			}
		})
	}
}

// TestBootstrapPeerRestartIsRedialled restarts the bootstrap peer from its
// identity file on the addresses it had; the nodes that list it redial it
// (through their own backoff, past the swarm's dial backoff) and reconnect.
func TestBootstrapPeerRestartIsRedialled(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "n0.key")
	n0, err := New(context.Background(), testConfig(), loadKey(t, keyPath), testLogger(t, "n0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	// TCP only: a refused TCP dial fails at once, so the redial loop backs
	// off. (A QUIC dial to a dead port instead waits out its handshake, and
	// succeeds if the peer comes back meanwhile.)
	for _, a := range addrStrings(n0) {
		if strings.Contains(a, "/tcp/") {
			cfg.BootstrapPeers = append(cfg.BootstrapPeers, a)
		}
	}
	n1 := startHost(t, "n1", cfg, newKey(t), nil)
	n2 := startHost(t, "n2", cfg, newKey(t), nil)
	eventually(t, meshTimeout, "n1 and n2 connected to n0", func() bool { return connected(n1, n0) && connected(n2, n0) })

	restartCfg := testConfig()
	restartCfg.ListenAddrs = multiaddrStrings(n0.Host().Addrs()) // same ports
	id := n0.ID()
	if err := n0.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, meshTimeout, "n1 and n2 to lose n0", func() bool { return !connected(n1, n0) && !connected(n2, n0) })
	// Forget the QUIC address identify taught them, so redials use TCP only.
	n1.Host().Peerstore().ClearAddrs(id)
	n2.Host().Peerstore().ClearAddrs(id)
	// Let the redial loops fail a few times, so they are backing off and the
	// swarm has n0's address in its own (five second and up) dial backoff.
	time.Sleep(2 * cfg.BootstrapBackoffMax)

	restarted := startHost(t, "n0-restarted", restartCfg, loadKey(t, keyPath), nil)
	if restarted.ID() != id {
		t.Fatalf("restarted bootstrap peer ID = %s, want %s", restarted.ID(), id)
	}
	eventually(t, meshTimeout, "n1 and n2 to redial the restarted bootstrap peer", func() bool {
		return connected(n1, restarted) && connected(n2, restarted)
	})
}
