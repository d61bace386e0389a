package p2p

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigIsValidAndLoopback(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	for _, a := range cfg.ListenAddrs {
		if !strings.HasPrefix(a, "/ip4/127.0.0.1/") {
			t.Errorf("default listen addr %s is not loopback", a)
		}
	}
	if cfg.DHTMode != DHTModeServer || cfg.Rendezvous != "gpunet/1" {
		t.Errorf("defaults: DHTMode=%q Rendezvous=%q", cfg.DHTMode, cfg.Rendezvous)
	}
}

func TestConfigValidate(t *testing.T) {
	testPeerA, testPeerB := newPeerID(t).String(), newPeerID(t).String()
	bootA := "/ip4/127.0.0.1/tcp/4001/p2p/" + testPeerA
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string // "" means valid
	}{
		{"default", func(*Config) {}, ""},
		{"bootstrap and deny list", func(c *Config) {
			c.BootstrapPeers = []string{bootA, "/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + testPeerA}
			c.DeniedPeers = []string{testPeerB}
		}, ""},
		{"dht client", func(c *Config) { c.DHTMode = DHTModeClient }, ""},
		{"dht auto", func(c *Config) { c.DHTMode = DHTModeAuto }, ""},
		{"no listen addrs", func(c *Config) { c.ListenAddrs = nil }, "ListenAddrs"},
		{"bad listen addr", func(c *Config) { c.ListenAddrs = []string{"127.0.0.1:4001"} }, "ListenAddrs[0]"},
		{"websocket listen addr", func(c *Config) { c.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/4001/ws"} }, "neither TCP nor QUIC"},
		{"draft quic listen addr", func(c *Config) { c.ListenAddrs = []string{"/ip4/127.0.0.1/udp/4001/quic"} }, "ListenAddrs[0]"},
		{"ipv6 loopback", func(c *Config) { c.ListenAddrs = []string{"/ip6/::1/tcp/4001", "/ip6/::1/udp/4001/quic-v1"} }, ""},
		{"bootstrap without peer id", func(c *Config) { c.BootstrapPeers = []string{"/ip4/127.0.0.1/tcp/4001"} }, "BootstrapPeers[0]"},
		{"bootstrap without transport", func(c *Config) { c.BootstrapPeers = []string{"/p2p/" + testPeerA} }, "BootstrapPeers[0]"},
		{"bootstrap garbage", func(c *Config) { c.BootstrapPeers = []string{"peer-a:4001"} }, "BootstrapPeers[0]"},
		{"bad denied peer", func(c *Config) { c.DeniedPeers = []string{"not-a-peer"} }, "DeniedPeers[0]"},
		{"denied bootstrap peer", func(c *Config) {
			c.BootstrapPeers = []string{bootA}
			c.DeniedPeers = []string{testPeerA}
		}, "also a bootstrap peer"},
		{"zero max peers", func(c *Config) { c.MaxPeers = 0 }, "MaxPeers"},
		{"conns below peers", func(c *Config) { c.MaxConns = c.MaxPeers - 1 }, "MaxConns"},
		{"zero streams", func(c *Config) { c.MaxStreams = 0 }, "MaxStreams"},
		{"tiny memory", func(c *Config) { c.MaxMemoryMiB = 8 }, "MaxMemoryMiB"},
		{"unknown dht mode", func(c *Config) { c.DHTMode = "full" }, "DHTMode"},
		{"empty rendezvous", func(c *Config) { c.Rendezvous = " " }, "Rendezvous"},
		{"zero discovery interval", func(c *Config) { c.DiscoveryInterval = 0 }, "DiscoveryInterval"},
		{"zero advertise interval", func(c *Config) { c.AdvertiseInterval = 0 }, "AdvertiseInterval"},
		{"negative backoff", func(c *Config) { c.BootstrapBackoffMin = -time.Second }, "BootstrapBackoffMin"},
		{"backoff min above max", func(c *Config) {
			c.BootstrapBackoffMin, c.BootstrapBackoffMax = time.Minute, time.Second
		}, "exceeds BootstrapBackoffMax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate() = %q, want it to name %q", err, tt.field)
			}
			if !strings.Contains(err.Error(), "set") && !strings.Contains(err.Error(), "use") &&
				!strings.Contains(err.Error(), "remove") && !strings.Contains(err.Error(), "lower") {
				t.Errorf("Validate() = %q, want it to say how to fix it", err)
			}
		})
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPeers, cfg.MaxStreams, cfg.Rendezvous = 0, 0, ""
	err := cfg.Validate()
	for _, field := range []string{"MaxPeers", "MaxStreams", "Rendezvous"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate() = %v, want it to name %s", err, field)
		}
	}
}
