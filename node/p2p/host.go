package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/routing"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
)

// ProtocolPrefix namespaces gpunet's DHT protocols (/gpunet/kad/1.0.0), so
// gpunet nodes never join the public IPFS DHT.
const ProtocolPrefix = "/gpunet"

// UserAgent is the agent version the host announces over identify.
const UserAgent = "gpunet"

// Host is a running libp2p host with its DHT and discovery loops.
type Host struct {
	cfg       Config
	log       *slog.Logger
	host      host.Host
	dht       *dht.IpfsDHT
	disc      *drouting.RoutingDiscovery
	gater     *gater
	bootstrap []peer.AddrInfo
	reg       prometheus.Registerer
	peers     prometheus.Collector
	mdns      io.Closer

	ctx     context.Context // cancelled by Close; parent of every loop
	cancel  context.CancelFunc
	mu      sync.Mutex // guards closing, so that no goroutine joins wg once Close waits
	closing bool
	wg      sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// mdnsStarter starts mDNS for h under serviceName and returns what stops it.
// Tests replace it so that no multicast leaves the machine.
type mdnsStarter func(h host.Host, serviceName string, found func(peer.AddrInfo)) (io.Closer, error)

// New starts a libp2p host: TCP and QUIC, Noise, the resource manager with
// cfg's limits, the gater, a Kademlia DHT under ProtocolPrefix, rendezvous
// discovery, bootstrap dialling and, if enabled, mDNS. ctx bounds construction
// only; Close stops the host. A nil logger discards logs; a nil reg registers
// no metrics (libp2p's own included).
func New(ctx context.Context, cfg Config, key crypto.PrivKey, logger *slog.Logger, reg prometheus.Registerer) (*Host, error) {
	return newHost(ctx, cfg, key, logger, reg, startMDNS)
}

func newHost(ctx context.Context, cfg Config, key crypto.PrivKey, logger *slog.Logger,
	reg prometheus.Registerer, mdnsStart mdnsStarter) (_ *Host, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new p2p host: %w", err)
	}
	if key == nil {
		return nil, errors.New("new p2p host: identity key is nil; load one with LoadOrCreateIdentity")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("new p2p host: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bootstrap, err := cfg.bootstrapInfos()
	if err != nil {
		return nil, fmt.Errorf("new p2p host: %w", err)
	}
	denied, err := cfg.deniedIDs()
	if err != nil {
		return nil, fmt.Errorf("new p2p host: %w", err)
	}
	mode, err := parseDHTMode(cfg.DHTMode)
	if err != nil {
		return nil, fmt.Errorf("new p2p host: %w", err)
	}

	h := &Host{cfg: cfg, log: logger.With("component", "p2p"), bootstrap: bootstrap, reg: reg}
	h.ctx, h.cancel = context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		if err != nil {
			err = errors.Join(err, h.Close())
		}
	}()
	h.gater = newGater(h.log, denied, bootstrap, cfg.MaxPeers)

	var rmOpts []rcmgr.Option
	if reg == nil {
		rmOpts = append(rmOpts, rcmgr.WithMetricsDisabled())
	}
	rm, err := rcmgr.NewResourceManager(limiter(cfg), rmOpts...)
	if err != nil {
		return nil, fmt.Errorf("create resource manager: %w", err)
	}
	// Trim back to 80% of MaxPeers once above it; bootstrap peers are protected.
	cm, err := connmgr.NewConnManager(max(cfg.MaxPeers*4/5, 1), cfg.MaxPeers, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		_ = rm.Close()
		return nil, fmt.Errorf("create connection manager: %w", err)
	}
	for _, ai := range bootstrap {
		cm.Protect(ai.ID, "gpunet-bootstrap")
	}

	ps, err := pstoremem.NewPeerstore()
	if err != nil {
		_ = cm.Close()
		_ = rm.Close()
		return nil, fmt.Errorf("create peerstore: %w", err)
	}
	// sw is captured so that a failed start can close it: go-libp2p v0.51
	// does not close the swarm or the peerstore when every listen fails.
	var sw *swarm.Swarm
	opts := []libp2p.Option{
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(cfg.ListenAddrs...),
		// Without SO_REUSEPORT a port another process holds is an error, not
		// a listener silently sharing its connections.
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Transport(quic.NewTransport), // QUIC carries its own TLS 1.3 handshake
		libp2p.Security(noise.ID, noise.New),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(h.gater),
		libp2p.Peerstore(ps),
		libp2p.WithFxOption(fx.Invoke(func(s *swarm.Swarm) { sw = s })),
		libp2p.DisableRelay(),
		libp2p.UserAgent(UserAgent),
		libp2p.Routing(func(hh host.Host) (routing.PeerRouting, error) {
			kad, err := dht.New(hh, dht.Mode(mode), dht.ProtocolPrefix(ProtocolPrefix), dht.BootstrapPeers(bootstrap...))
			if err != nil {
				return nil, fmt.Errorf("create DHT: %w", err)
			}
			h.dht = kad
			return kad, nil
		}),
	}
	if reg != nil {
		opts = append(opts, libp2p.PrometheusRegisterer(reg))
	} else {
		opts = append(opts, libp2p.DisableMetrics())
	}
	lh, err := libp2p.New(opts...)
	if err != nil {
		// libp2p closes these only on some failure paths; all Closes are idempotent.
		if sw != nil {
			_ = sw.Close()
		}
		_ = ps.Close()
		_ = cm.Close()
		_ = rm.Close()
		return nil, fmt.Errorf("start libp2p host on %v: %w", cfg.ListenAddrs, err)
	}
	h.host = lh
	h.gater.setNetwork(lh.Network())
	h.disc = drouting.NewRoutingDiscovery(h.dht)

	gauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "gpunet", Subsystem: "p2p", Name: "peers",
		Help: "Number of peers the libp2p host is connected to.",
	}, func() float64 { return float64(len(lh.Network().Peers())) })
	if reg != nil {
		if err := reg.Register(gauge); err != nil {
			return nil, fmt.Errorf("register gpunet_p2p_peers: %w", err)
		}
		h.peers = gauge
	}

	if cfg.EnableMDNS {
		if h.mdns, err = mdnsStart(lh, MDNSServiceName, h.onMDNSPeer); err != nil {
			return nil, fmt.Errorf("start mDNS (set EnableMDNS=false on hosts without multicast): %w", err)
		}
	}
	h.startDiscovery()

	h.log.Info("p2p host started", "peer_id", lh.ID().String(), "addrs", multiaddrStrings(h.Addrs()),
		"dht_mode", cfg.DHTMode, "bootstrap_peers", len(bootstrap), "mdns", cfg.EnableMDNS)
	return h, nil
}

// Host is the libp2p host, for pubsub and stream protocols.
func (h *Host) Host() host.Host { return h.host }

// DHT is the host's Kademlia DHT.
func (h *Host) DHT() *dht.IpfsDHT { return h.dht }

// Discovery advertises and finds namespaces through the DHT (for example
// pubsub.WithDiscovery).
func (h *Host) Discovery() discovery.Discovery { return h.disc }

// ID is the host's peer ID.
func (h *Host) ID() peer.ID { return h.host.ID() }

// Addrs are the host's listen addresses with its /p2p/<id> suffix, ready to
// hand to another node as a bootstrap peer.
func (h *Host) Addrs() []multiaddr.Multiaddr {
	addrs, err := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: h.host.ID(), Addrs: h.host.Addrs()})
	if err != nil { // only for an empty peer ID, which a running host never has
		panic(fmt.Sprintf("p2p: build /p2p/ addrs: %v", err))
	}
	return addrs
}

// Peers are the peers the host has at least one connection to.
func (h *Host) Peers() []peer.ID { return h.host.Network().Peers() }

// Close stops discovery, mDNS, the DHT and the host, waits for the host's
// goroutines and unregisters its metrics. It is safe to call more than once.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		var errs []error
		// mDNS first: once it is closed it calls onMDNSPeer no more, so no
		// goroutine is added to wg after Wait starts.
		if h.mdns != nil {
			if err := h.mdns.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close mDNS: %w", err))
			}
		}
		h.mu.Lock()
		h.closing = true
		h.mu.Unlock()
		h.cancel()
		h.wg.Wait()
		if h.dht != nil {
			if err := h.dht.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close DHT: %w", err))
			}
		}
		if h.host != nil {
			if err := h.host.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close libp2p host: %w", err))
			}
		}
		if h.peers != nil {
			h.reg.Unregister(h.peers)
		}
		h.closeErr = errors.Join(errs...)
		if h.host != nil {
			h.log.Info("p2p host closed", "peer_id", h.host.ID().String())
		}
	})
	return h.closeErr
}

// spawn runs f in a goroutine Close waits for, unless Close has begun.
func (h *Host) spawn(f func()) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.wg.Go(f)
	return true
}

func multiaddrStrings(addrs []multiaddr.Multiaddr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
