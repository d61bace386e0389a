package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/util"
	"github.com/prometheus/client_golang/prometheus"
)

// TestFiveNodesMeshThroughOneBootstrapPeer starts node 0 with no bootstrap
// peers and nodes 1–4 knowing only node 0; every node must end up connected to
// the four others, and the rendezvous must list all of them. With nodes 1–4 in
// DHT client mode the DHT never tells them about each other (clients are not
// in routing tables), so their mutual connections can only come from the
// rendezvous lookup.
func TestFiveNodesMeshThroughOneBootstrapPeer(t *testing.T) {
	for _, mode := range []string{DHTModeServer, DHTModeClient} {
		t.Run("nodes 1-4 dht "+mode, func(t *testing.T) { testFiveNodeMesh(t, mode) })
	}
}

func testFiveNodeMesh(t *testing.T, mode string) {
	nodes := make([]*Host, 5)
	nodes[0] = startHost(t, "n0", testConfig(), newKey(t), nil)
	for i := 1; i < len(nodes); i++ {
		cfg := testConfig()
		cfg.BootstrapPeers = addrStrings(nodes[0])
		cfg.DHTMode = mode
		nodes[i] = startHost(t, fmt.Sprintf("n%d", i), cfg, newKey(t), nil)
	}

	eventually(t, meshTimeout, "a full mesh of five nodes", func() bool {
		for _, a := range nodes {
			for _, b := range nodes {
				if a != b && !connected(a, b) {
					return false
				}
			}
		}
		return true
	})

	// The peers were found by rendezvous, not told: each node's lookup of the
	// namespace returns the four others.
	for i, n := range nodes {
		var others []peer.ID
		for _, o := range nodes {
			if o != n {
				others = append(others, o.ID())
			}
		}
		eventually(t, meshTimeout, "rendezvous lookup listing every other node", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			found, err := util.FindPeers(ctx, n.Discovery(), n.cfg.Rendezvous)
			if err != nil {
				t.Logf("node %d: find peers: %v", i, err)
				return false
			}
			ids := make([]peer.ID, len(found))
			for j, ai := range found {
				ids[j] = ai.ID
			}
			return containsAll(ids, others...)
		})
		if got := len(n.Peers()); got < 4 {
			t.Errorf("node %d: Peers() has %d entries, want at least 4", i, got)
		}
	}
}

// TestRestartKeepsPeerIDAndRejoins restarts a node from its identity file on
// new ports; it keeps its peer ID and the others are connected to it again.
func TestRestartKeepsPeerIDAndRejoins(t *testing.T) {
	dir := t.TempDir()
	n0 := startHost(t, "n0", testConfig(), loadKey(t, filepath.Join(dir, "n0.key")), nil)
	cfg := testConfig()
	cfg.BootstrapPeers = addrStrings(n0)
	n1 := startHost(t, "n1", cfg, loadKey(t, filepath.Join(dir, "n1.key")), nil)

	keyPath := filepath.Join(dir, "n2.key")
	n2, err := New(context.Background(), cfg, loadKey(t, keyPath), testLogger(t, "n2"), nil)
	if err != nil {
		t.Fatal(err)
	}
	firstID := n2.ID()
	eventually(t, meshTimeout, "three nodes connected", func() bool {
		return connected(n0, n1) && connected(n0, n2) && connected(n1, n2)
	})
	if err := n2.Close(); err != nil {
		t.Fatalf("close n2: %v", err)
	}
	eventually(t, meshTimeout, "n0 and n1 to see n2 gone", func() bool {
		return !connected(n0, n2) && !connected(n1, n2)
	})

	restarted := startHost(t, "n2-restarted", cfg, loadKey(t, keyPath), nil)
	if restarted.ID() != firstID {
		t.Fatalf("restarted peer ID = %s, want %s", restarted.ID(), firstID)
	}
	eventually(t, meshTimeout, "n0 and n1 connected to the restarted n2", func() bool {
		return connected(n0, restarted) && connected(n1, restarted)
	})
}

func TestGaterRefusesDeniedPeer(t *testing.T) {
	bKey := newKey(t)
	bID, _ := peer.IDFromPrivateKey(bKey)
	cfgA := testConfig()
	cfgA.DeniedPeers = []string{bID.String()}
	a := startHost(t, "a", cfgA, newKey(t), nil)
	b := startHost(t, "b", testConfig(), bKey, nil)
	c := startHost(t, "c", testConfig(), newKey(t), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// b's dial may report success: the dialer finishes the Noise and QUIC
	// handshakes before a's gater sees its peer ID and closes the connection.
	// What matters is that a never admits b.
	_ = b.Host().Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: a.Host().Addrs()})
	if slices.Contains(a.Peers(), b.ID()) {
		t.Error("a admitted denied peer b")
	}
	if err := a.Host().Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Host().Addrs()}); err == nil {
		t.Error("a dialled denied peer b; want refused")
	}
	if err := c.Host().Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: a.Host().Addrs()}); err != nil {
		t.Errorf("peer c (not denied) could not connect to a: %v", err)
	}
	eventually(t, meshTimeout, "no connection between a and b", func() bool {
		return !connected(a, b) && !connected(b, a)
	})
	if !connected(a, c) {
		t.Error("a dropped c, which is not denied")
	}
}

func TestGaterRefusesInboundAtMaxPeers(t *testing.T) {
	cfgA := testConfig()
	cfgA.MaxPeers = 1
	a := startHost(t, "a", cfgA, newKey(t), nil)
	b := startHost(t, "b", testConfig(), newKey(t), nil)
	c := startHost(t, "c", testConfig(), newKey(t), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Host().Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: a.Host().Addrs()}); err != nil {
		t.Fatalf("first inbound peer refused: %v", err)
	}
	// As with a denied peer, c's dial may report success before a's gater
	// closes the connection; a must never admit c.
	_ = c.Host().Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: a.Host().Addrs()})
	if slices.Contains(a.Peers(), c.ID()) {
		t.Error("a admitted a second inbound peer at MaxPeers=1")
	}
	eventually(t, meshTimeout, "c to be disconnected from a", func() bool { return !connected(c, a) })
	if got := a.Peers(); len(got) != 1 || got[0] != b.ID() {
		t.Errorf("a's peers = %v, want only b", got)
	}
}

func TestPeersGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := startHost(t, "a", testConfig(), newKey(t), reg)
	b := startHost(t, "b", testConfig(), newKey(t), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Host().Connect(ctx, peer.AddrInfo{ID: a.ID(), Addrs: a.Host().Addrs()}); err != nil {
		t.Fatal(err)
	}
	eventually(t, meshTimeout, "gpunet_p2p_peers = 1", func() bool {
		v, ok := gaugeValue(t, reg, "gpunet_p2p_peers")
		return ok && v == 1
	})

	// A second host on the same registry is refused while a runs, and
	// accepted once a is closed (Close unregisters).
	if _, err := New(ctx, testConfig(), newKey(t), nil, reg); err == nil || !strings.Contains(err.Error(), "gpunet_p2p_peers") {
		t.Errorf("second host on one registry: err = %v, want a gpunet_p2p_peers registration error", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := gaugeValue(t, reg, "gpunet_p2p_peers"); ok {
		t.Errorf("gpunet_p2p_peers still registered after Close")
	}
	startHost(t, "a2", testConfig(), newKey(t), reg)
}

func TestAddrsAreFullP2PAddrs(t *testing.T) {
	h := startHost(t, "a", testConfig(), newKey(t), nil)
	addrs := h.Addrs()
	if len(addrs) < 2 {
		t.Fatalf("Addrs() = %v, want a TCP and a QUIC address", addrs)
	}
	var tcp, quic bool
	for _, a := range addrs {
		s := a.String()
		if !strings.HasPrefix(s, "/ip4/127.0.0.1/") || !strings.HasSuffix(s, "/p2p/"+h.ID().String()) {
			t.Errorf("addr %s: want loopback with /p2p/%s", s, h.ID())
		}
		tcp = tcp || strings.Contains(s, "/tcp/")
		quic = quic || strings.Contains(s, "/quic-v1")
	}
	if !tcp || !quic {
		t.Errorf("Addrs() = %v, want both TCP and QUIC", addrs)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	bad := testConfig()
	bad.MaxPeers = 0
	if _, err := New(ctx, bad, newKey(t), nil, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("invalid config: err = %v, want ErrInvalidConfig", err)
	}
	if _, err := New(ctx, testConfig(), nil, nil, nil); err == nil {
		t.Error("nil key: want an error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := New(cancelled, testConfig(), newKey(t), nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v, want context.Canceled", err)
	}
	// Ports another host holds: libp2p.New fails after the DHT and the swarm
	// exist, and nothing may leak (TestMain checks).
	taken := startHost(t, "a", testConfig(), newKey(t), nil)
	for _, a := range taken.Host().Addrs() {
		clash := testConfig()
		clash.ListenAddrs = []string{a.String()}
		if _, err := New(ctx, clash, newKey(t), nil, nil); err == nil || !strings.Contains(err.Error(), "start libp2p host") {
			t.Errorf("listen on %s, which is taken: err = %v, want a start libp2p host error", a, err)
		}
	}
}

// fakeMDNS records that mDNS was started and stopped, without multicast.
type fakeMDNS struct {
	started, closed atomic.Int32
	service         string
	fail            error
}

func (f *fakeMDNS) start(_ host.Host, service string, _ func(peer.AddrInfo)) (io.Closer, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.started.Add(1)
	f.service = service
	return f, nil
}

func (f *fakeMDNS) Close() error { f.closed.Add(1); return nil }

// TestMDNSSwitch checks the wiring of Config.EnableMDNS. No multicast is sent:
// the real mDNS service is replaced. TestMDNSDiscoveryOnLAN exercises it.
func TestMDNSSwitch(t *testing.T) {
	ctx := context.Background()
	for _, enabled := range []bool{false, true} {
		f := &fakeMDNS{}
		cfg := testConfig()
		cfg.EnableMDNS = enabled
		h, err := newHost(ctx, cfg, newKey(t), nil, nil, f.start)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		want := int32(0)
		if enabled {
			want = 1
			if f.service != MDNSServiceName {
				t.Errorf("mDNS service = %q, want %q", f.service, MDNSServiceName)
			}
		}
		if f.started.Load() != want || f.closed.Load() != want {
			t.Errorf("EnableMDNS=%v: started %d closed %d times, want %d", enabled, f.started.Load(), f.closed.Load(), want)
		}
	}

	cfg := testConfig()
	cfg.EnableMDNS = true
	f := &fakeMDNS{fail: errors.New("no multicast interface")}
	if _, err := newHost(ctx, cfg, newKey(t), nil, nil, f.start); err == nil || !strings.Contains(err.Error(), "EnableMDNS=false") {
		t.Errorf("mDNS start failure: err = %v, want it to name EnableMDNS=false", err)
	}
}

// gaugeValue gathers reg and returns the value of the named gauge.
func gaugeValue(t *testing.T, reg prometheus.Gatherer, name string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue(), true
		}
	}
	return 0, false
}
