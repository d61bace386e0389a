package p2p

import (
	"log/slog"
	"slices"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// fakeNet reports a fixed set of connected peers.
type fakeNet struct {
	network.Network
	peers []peer.ID
}

func (f fakeNet) Peers() []peer.ID { return f.peers }

func (f fakeNet) Connectedness(p peer.ID) network.Connectedness {
	if slices.Contains(f.peers, p) {
		return network.Connected
	}
	return network.NotConnected
}

type fakeConnAddrs struct{}

func (fakeConnAddrs) LocalMultiaddr() ma.Multiaddr  { return ma.StringCast("/ip4/127.0.0.1/tcp/1") }
func (fakeConnAddrs) RemoteMultiaddr() ma.Multiaddr { return ma.StringCast("/ip4/127.0.0.1/tcp/2") }

func TestGaterDecisions(t *testing.T) {
	denied, boot, full1, full2, fresh := newPeerID(t), newPeerID(t), newPeerID(t), newPeerID(t), newPeerID(t)
	g := newGater(slog.New(slog.DiscardHandler), map[peer.ID]struct{}{denied: {}},
		[]peer.AddrInfo{{ID: boot}}, 2)
	if !g.InterceptSecured(network.DirInbound, fresh, fakeConnAddrs{}) {
		t.Error("before the network is set, a fresh inbound peer must be allowed")
	}
	g.setNetwork(fakeNet{peers: []peer.ID{full1, full2}}) // at MaxPeers

	tests := []struct {
		name string
		dir  network.Direction
		p    peer.ID
		want bool
	}{
		{"denied inbound", network.DirInbound, denied, false},
		{"denied outbound", network.DirOutbound, denied, false},
		{"fresh inbound at max", network.DirInbound, fresh, false},
		{"fresh outbound at max", network.DirOutbound, fresh, true},
		{"bootstrap inbound at max", network.DirInbound, boot, true},
		{"already connected peer, another conn", network.DirInbound, full1, true},
	}
	for _, tt := range tests {
		if got := g.InterceptSecured(tt.dir, tt.p, fakeConnAddrs{}); got != tt.want {
			t.Errorf("%s: InterceptSecured = %v, want %v", tt.name, got, tt.want)
		}
	}
	if g.InterceptPeerDial(denied) || g.InterceptAddrDial(denied, ma.StringCast("/ip4/127.0.0.1/tcp/1")) {
		t.Error("dialling a denied peer must be refused")
	}
	if !g.InterceptPeerDial(fresh) || !g.InterceptAccept(fakeConnAddrs{}) {
		t.Error("dialling or accepting a fresh peer must be allowed")
	}
	if ok, _ := g.InterceptUpgraded(nil); !ok {
		t.Error("InterceptUpgraded must allow")
	}
}
