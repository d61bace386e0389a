package p2p

import (
	"io"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
)

// MDNSServiceName is the DNS-SD service gpunet nodes announce on the LAN.
const MDNSServiceName = "_gpunet._udp"

var _ mdns.Notifee = mdnsNotifee(nil)

// mdnsNotifee adapts a function to mdns.Notifee.
type mdnsNotifee func(peer.AddrInfo)

func (f mdnsNotifee) HandlePeerFound(ai peer.AddrInfo) { f(ai) }

func startMDNS(h host.Host, serviceName string, found func(peer.AddrInfo)) (io.Closer, error) {
	s := mdns.NewMdnsService(h, serviceName, mdnsNotifee(found))
	if err := s.Start(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// onMDNSPeer dials a peer found on the LAN. go-libp2p's mDNS calls it in a
// goroutine of its own that its Close does not wait for, so the dial goes
// through spawn, which refuses once Close has begun.
func (h *Host) onMDNSPeer(ai peer.AddrInfo) {
	if !h.shouldDial(ai) {
		return
	}
	h.spawn(func() {
		if err := h.connect(h.ctx, ai); err != nil {
			h.log.Debug("dial mDNS peer failed", "peer", ai.ID.String(), "error", err)
			return
		}
		h.log.Info("connected to discovered peer", "peer", ai.ID.String(), "via", "mdns")
	})
}
