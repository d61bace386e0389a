package p2p

import (
	"github.com/libp2p/go-libp2p"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
)

// limiter builds the resource manager's limits from cfg. Nothing is scaled to
// the machine: the per-service, per-protocol and per-peer defaults come from
// libp2p's tables scaled to cfg.MaxMemoryMiB and cfg.MaxConns (explicit
// numbers, so the same config gives the same limits everywhere), and the
// system and transient scopes are set from cfg directly.
func limiter(cfg Config) rcmgr.Limiter {
	mem := int64(cfg.MaxMemoryMiB) << 20
	scaling := rcmgr.DefaultLimits // a copy; its per-service maps are nil until added below
	libp2p.SetDefaultServiceLimits(&scaling)
	base := scaling.Scale(mem, cfg.MaxConns)

	system := rcmgr.ResourceLimits{
		Memory:          rcmgr.LimitVal64(mem),
		Conns:           rcmgr.LimitVal(cfg.MaxConns),
		ConnsInbound:    rcmgr.LimitVal(cfg.MaxConns),
		ConnsOutbound:   rcmgr.LimitVal(cfg.MaxConns),
		Streams:         rcmgr.LimitVal(cfg.MaxStreams),
		StreamsInbound:  rcmgr.LimitVal(cfg.MaxStreams),
		StreamsOutbound: rcmgr.LimitVal(cfg.MaxStreams),
		// Each TCP connection holds a descriptor; QUIC shares one per socket.
		FD: rcmgr.LimitVal(cfg.MaxConns),
	}
	// The transient scope holds connections mid-handshake and streams before
	// protocol negotiation: a quarter of the system budget, at least 16.
	transient := rcmgr.ResourceLimits{
		Memory:          rcmgr.LimitVal64(mem / 4),
		Conns:           rcmgr.LimitVal(quarter(cfg.MaxConns)),
		ConnsInbound:    rcmgr.LimitVal(quarter(cfg.MaxConns)),
		ConnsOutbound:   rcmgr.LimitVal(quarter(cfg.MaxConns)),
		Streams:         rcmgr.LimitVal(quarter(cfg.MaxStreams)),
		StreamsInbound:  rcmgr.LimitVal(quarter(cfg.MaxStreams)),
		StreamsOutbound: rcmgr.LimitVal(quarter(cfg.MaxStreams)),
		FD:              rcmgr.LimitVal(quarter(cfg.MaxConns)),
	}
	partial := rcmgr.PartialLimitConfig{System: system, Transient: transient}
	return rcmgr.NewFixedLimiter(partial.Build(base))
}

func quarter(n int) int { return max(n/4, min(n, 16)) }
