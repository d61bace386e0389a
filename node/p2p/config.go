package p2p

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// DHT modes accepted in Config.DHTMode.
const (
	DHTModeServer = "server" // answers DHT queries; what a provider runs
	DHTModeClient = "client" // queries only; for CLIs and hosts behind NAT
	DHTModeAuto   = "auto"   // server once the host learns it is publicly reachable
)

// Config is the p2p section of the node configuration. Flags and config files
// fill it; New only reads it.
type Config struct {
	// ListenAddrs are the multiaddrs the host listens on. Loopback by default,
	// like every gpunet listener: set e.g. /ip4/0.0.0.0/tcp/4001 to join a
	// network beyond this machine.
	ListenAddrs []string
	// BootstrapPeers are full multiaddrs ending in /p2p/<peer ID>. They are
	// dialled at start, redialled with backoff, and never gated.
	BootstrapPeers []string
	// EnableMDNS finds peers on the local network by multicast DNS.
	EnableMDNS bool
	// MaxPeers is the number of connected peers above which new inbound peers
	// are refused and the connection manager trims connections.
	MaxPeers int
	// DeniedPeers are peer IDs refused in both directions.
	DeniedPeers []string

	// Resource manager limits for the whole host (the "system" scope). They
	// are used as given, never scaled to the machine.
	MaxMemoryMiB int
	MaxConns     int
	MaxStreams   int

	// DHTMode is one of DHTModeServer, DHTModeClient, DHTModeAuto.
	DHTMode string
	// Rendezvous is the DHT namespace nodes advertise and look up to find
	// each other.
	Rendezvous string

	// DiscoveryInterval is how often the host looks up the rendezvous and
	// dials the peers it finds (and retries a failed advertisement).
	DiscoveryInterval time.Duration
	// AdvertiseInterval is how often a successful rendezvous advertisement is
	// renewed.
	AdvertiseInterval time.Duration
	// BootstrapBackoffMin and BootstrapBackoffMax bound the exponential
	// backoff between redials of an unreachable bootstrap peer.
	BootstrapBackoffMin time.Duration
	BootstrapBackoffMax time.Duration
}

// DefaultConfig returns a loopback-only configuration suitable for a provider.
func DefaultConfig() Config {
	return Config{
		ListenAddrs: []string{
			"/ip4/127.0.0.1/tcp/4001",
			"/ip4/127.0.0.1/udp/4001/quic-v1",
		},
		MaxPeers:            64,
		MaxMemoryMiB:        256,
		MaxConns:            256,
		MaxStreams:          2048,
		DHTMode:             DHTModeServer,
		Rendezvous:          "gpunet/1",
		DiscoveryInterval:   time.Minute,
		AdvertiseInterval:   time.Hour,
		BootstrapBackoffMin: time.Second,
		BootstrapBackoffMax: time.Minute,
	}
}

// minMemoryMiB is the least memory the resource manager can run a host with.
const minMemoryMiB = 32

// Validate reports every problem in c; each error names the field and the fix,
// and wraps ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}

	if len(c.ListenAddrs) == 0 {
		bad("ListenAddrs is empty; set at least one, e.g. /ip4/127.0.0.1/tcp/4001")
	}
	for i, s := range c.ListenAddrs {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			bad("ListenAddrs[%d] %q is not a multiaddr (%v); use e.g. /ip4/127.0.0.1/udp/4001/quic-v1", i, s, err)
			continue
		}
		if !isTCPOrQUIC(a) {
			bad("ListenAddrs[%d] %q is neither TCP nor QUIC, the only transports gpunet runs; "+
				"use /ip4/<ip>/tcp/<port> or /ip4/<ip>/udp/<port>/quic-v1", i, s)
		}
	}
	boot := map[peer.ID]bool{}
	for i, s := range c.BootstrapPeers {
		ai, err := peer.AddrInfoFromString(s)
		if err != nil || len(ai.Addrs) == 0 {
			bad("BootstrapPeers[%d] %q is not a full peer multiaddr; use /ip4/<ip>/tcp/<port>/p2p/<peer ID>", i, s)
			continue
		}
		boot[ai.ID] = true
	}
	for i, s := range c.DeniedPeers {
		id, err := peer.Decode(s)
		if err != nil {
			bad("DeniedPeers[%d] %q is not a peer ID (%v); use the base58 form, e.g. 12D3KooW...", i, s, err)
			continue
		}
		if boot[id] {
			bad("DeniedPeers[%d] %s is also a bootstrap peer; remove it from one of BootstrapPeers or DeniedPeers", i, s)
		}
	}
	if c.MaxPeers <= 0 {
		bad("MaxPeers is %d; set a positive number of peers, e.g. 64", c.MaxPeers)
	}
	if c.MaxConns < c.MaxPeers || c.MaxConns <= 0 {
		bad("MaxConns is %d; set it to at least MaxPeers (%d), e.g. 4×MaxPeers", c.MaxConns, c.MaxPeers)
	}
	if c.MaxStreams <= 0 {
		bad("MaxStreams is %d; set a positive number, e.g. 2048", c.MaxStreams)
	}
	if c.MaxMemoryMiB < minMemoryMiB {
		bad("MaxMemoryMiB is %d; set at least %d, e.g. 256", c.MaxMemoryMiB, minMemoryMiB)
	}
	if _, err := parseDHTMode(c.DHTMode); err != nil {
		bad("DHTMode %q is unknown; use one of %s, %s, %s", c.DHTMode, DHTModeServer, DHTModeClient, DHTModeAuto)
	}
	if strings.TrimSpace(c.Rendezvous) == "" {
		bad("Rendezvous is empty; set the network's namespace, e.g. gpunet/1")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"DiscoveryInterval", c.DiscoveryInterval},
		{"AdvertiseInterval", c.AdvertiseInterval},
		{"BootstrapBackoffMin", c.BootstrapBackoffMin},
		{"BootstrapBackoffMax", c.BootstrapBackoffMax},
	} {
		if d.v <= 0 {
			bad("%s is %v; set a positive duration, e.g. 1m", d.name, d.v)
		}
	}
	if c.BootstrapBackoffMin > c.BootstrapBackoffMax {
		bad("BootstrapBackoffMin (%v) exceeds BootstrapBackoffMax (%v); lower the minimum or raise the maximum",
			c.BootstrapBackoffMin, c.BootstrapBackoffMax)
	}
	return errors.Join(errs...)
}

// isTCPOrQUIC reports whether a ends in /tcp/<port> or /udp/<port>/quic-v1.
func isTCPOrQUIC(a ma.Multiaddr) bool {
	ps := a.Protocols()
	if len(ps) < 2 {
		return false
	}
	last, prev := ps[len(ps)-1].Code, ps[len(ps)-2].Code
	return last == ma.P_TCP || (last == ma.P_QUIC_V1 && prev == ma.P_UDP)
}

// bootstrapInfos parses BootstrapPeers, merging addresses of the same peer.
func (c Config) bootstrapInfos() ([]peer.AddrInfo, error) {
	addrs := make([]ma.Multiaddr, 0, len(c.BootstrapPeers))
	for _, s := range c.BootstrapPeers {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("parse bootstrap peer %q: %w", s, err)
		}
		addrs = append(addrs, a)
	}
	infos, err := peer.AddrInfosFromP2pAddrs(addrs...)
	if err != nil {
		return nil, fmt.Errorf("parse bootstrap peers: %w", err)
	}
	return infos, nil
}

// deniedIDs parses DeniedPeers.
func (c Config) deniedIDs() (map[peer.ID]struct{}, error) {
	out := make(map[peer.ID]struct{}, len(c.DeniedPeers))
	for _, s := range c.DeniedPeers {
		id, err := peer.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("parse denied peer %q: %w", s, err)
		}
		out[id] = struct{}{}
	}
	return out, nil
}
