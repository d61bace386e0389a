package p2p

import (
	"reflect"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
)

func TestLimiterUsesConfigNumbers(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMemoryMiB, cfg.MaxConns, cfg.MaxStreams = 100, 40, 300
	l := limiter(cfg)
	sys := l.GetSystemLimits()
	if got := sys.GetMemoryLimit(); got != 100<<20 {
		t.Errorf("system memory = %d, want %d", got, 100<<20)
	}
	if got := sys.GetConnTotalLimit(); got != 40 {
		t.Errorf("system conns = %d, want 40", got)
	}
	if got := sys.GetConnLimit(network.DirInbound); got != 40 {
		t.Errorf("system inbound conns = %d, want 40", got)
	}
	if got := sys.GetStreamTotalLimit(); got != 300 {
		t.Errorf("system streams = %d, want 300", got)
	}
	tr := l.GetTransientLimits()
	if got := tr.GetConnTotalLimit(); got != 16 {
		t.Errorf("transient conns = %d, want 16 (the floor)", got)
	}
	if got := tr.GetStreamTotalLimit(); got != 75 {
		t.Errorf("transient streams = %d, want 75", got)
	}
	// Same config, same limits: nothing depends on the machine.
	if a, b := limiter(cfg).GetPeerLimits(""), limiter(cfg).GetPeerLimits(""); !reflect.DeepEqual(a, b) {
		t.Errorf("peer limits differ between two builds: %v vs %v", a, b)
	}
}
