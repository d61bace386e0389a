package p2p

import (
	"context"
	"crypto/rand"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
)

// Generous bounds: these tests run on a loaded two-core machine.
const (
	meshTimeout = 2 * time.Minute
	pollEvery   = 50 * time.Millisecond
)

func newKey(t *testing.T) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newPeerID(t *testing.T) peer.ID {
	t.Helper()
	id, err := peer.IDFromPrivateKey(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// testConfig listens on loopback only, on random ports, with short intervals.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	cfg.DiscoveryInterval = 300 * time.Millisecond
	cfg.AdvertiseInterval = 2 * time.Second
	cfg.BootstrapBackoffMin = 100 * time.Millisecond
	cfg.BootstrapBackoffMax = time.Second
	return cfg
}

func testLogger(t *testing.T, name string) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", name)
}

// startHost starts a host that is closed when the test ends.
func startHost(t *testing.T, name string, cfg Config, key crypto.PrivKey, reg prometheus.Registerer) *Host {
	t.Helper()
	h, err := New(context.Background(), cfg, key, testLogger(t, name), reg)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return h
}

func addrStrings(h *Host) []string { return multiaddrStrings(h.Addrs()) }

func loadKey(t *testing.T, path string) crypto.PrivKey {
	t.Helper()
	k, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func connected(a, b *Host) bool {
	return a.Host().Network().Connectedness(b.ID()) == network.Connected
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(pollEvery)
	}
}

func containsAll(have []peer.ID, want ...peer.ID) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
