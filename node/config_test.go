package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrittenConfigLoadsBack(t *testing.T) {
	home := t.TempDir()
	cfg := DefaultConfig(home)
	cfg.P2P.Bootstrap = []string{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"}
	path, err := WriteConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != cfg.Key || got.Chain != cfg.Chain || got.HTTP != cfg.HTTP || got.Offer != cfg.Offer ||
		strings.Join(got.P2P.Listen, ",") != strings.Join(cfg.P2P.Listen, ",") || got.P2P.Bootstrap[0] != cfg.P2P.Bootstrap[0] {
		t.Fatalf("loaded %+v, wrote %+v", got, cfg)
	}
	if _, err := WriteConfig(cfg); err == nil {
		t.Fatalf("second WriteConfig overwrote %s", path)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "# Price per GPU-hour") {
		t.Errorf("config is not commented:\n%s", raw)
	}
}

func TestBadConfigNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name, edit, want string
	}{
		{"unknown key", "colour = \"blue\"\n", "colour"},
		{"typo in a section", "[http]\nlisten_addr = \"x\"\n", "listen_addr"},
		{"bad duration", "[offer]\nheartbeat = \"soon\"\n", "offer.heartbeat"},
		{"no key", "key = \"\"\n", "key: missing"},
		{"bad bootstrap", "[p2p]\nbootstrap = [\"not-an-addr\"]\n", "BootstrapPeers[0]"},
		{"not toml", "key = \n", ConfigFile + ":1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, ConfigFile), []byte(tc.edit), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadConfig(home); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadConfig: %v; want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadConfig(t.TempDir()); err == nil || !strings.Contains(err.Error(), "gpunet provider init") {
		t.Fatalf("missing config: %v", err)
	}
}
