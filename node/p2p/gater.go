package p2p

import (
	"log/slog"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

var _ connmgr.ConnectionGater = (*gater)(nil)

// gater refuses deny-listed peers in both directions and new inbound peers
// once maxPeers are connected. Bootstrap peers are never refused.
type gater struct {
	log       *slog.Logger
	denied    map[peer.ID]struct{}
	bootstrap map[peer.ID]struct{}
	maxPeers  int
	// net is set once the host exists; until then only the deny list applies.
	net atomic.Pointer[network.Network]
}

func newGater(log *slog.Logger, denied map[peer.ID]struct{}, bootstrap []peer.AddrInfo, maxPeers int) *gater {
	g := &gater{log: log, denied: denied, bootstrap: make(map[peer.ID]struct{}, len(bootstrap)), maxPeers: maxPeers}
	for _, ai := range bootstrap {
		g.bootstrap[ai.ID] = struct{}{}
	}
	return g
}

func (g *gater) setNetwork(n network.Network) { g.net.Store(&n) }

func (g *gater) isDenied(p peer.ID) bool {
	_, ok := g.denied[p]
	return ok
}

func (g *gater) InterceptPeerDial(p peer.ID) bool {
	if g.isDenied(p) {
		g.log.Debug("refused dial to denied peer", "peer", p)
		return false
	}
	return true
}

func (g *gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return !g.isDenied(p) }

// InterceptAccept cannot know the peer yet; the checks run in InterceptSecured.
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

func (g *gater) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	if g.isDenied(p) {
		g.log.Debug("refused connection from denied peer", "peer", p, "direction", dir.String(),
			"remote_addr", addrs.RemoteMultiaddr().String())
		return false
	}
	if dir != network.DirInbound {
		return true
	}
	if _, ok := g.bootstrap[p]; ok {
		return true
	}
	np := g.net.Load()
	if np == nil {
		return true
	}
	n := *np
	if n.Connectedness(p) == network.Connected {
		return true // another connection from a peer we already count
	}
	if peers := len(n.Peers()); peers >= g.maxPeers {
		g.log.Debug("refused inbound peer at MaxPeers", "peer", p, "peers", peers, "max_peers", g.maxPeers)
		return false
	}
	return true
}

func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
