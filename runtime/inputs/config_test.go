package inputs

import (
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	good := DefaultConfig("/var/lib/gpunet/inputs")
	tests := []struct {
		name string
		edit func(*Config)
		msg  string // "" for valid
	}{
		{name: "default", edit: func(*Config) {}},
		{name: "full", edit: func(c *Config) {
			c.IPFSGateway, c.FileRoots, c.Timeout = "http://127.0.0.1:8080", []string{"/srv/data"}, time.Minute
		}},
		{name: "relative cache", edit: func(c *Config) { c.CacheDir = "cache" }, msg: "cache dir"},
		{name: "empty cache", edit: func(c *Config) { c.CacheDir = "" }, msg: "cache dir"},
		{name: "gateway scheme", edit: func(c *Config) { c.IPFSGateway = "ipfs://x" }, msg: "http or https"},
		{name: "gateway host", edit: func(c *Config) { c.IPFSGateway = "http://" }, msg: "no host"},
		{name: "gateway query", edit: func(c *Config) { c.IPFSGateway = "http://h/?a=b" }, msg: "query"},
		{name: "relative root", edit: func(c *Config) { c.FileRoots = []string{"data"} }, msg: "file root 0"},
		{name: "slash root", edit: func(c *Config) { c.FileRoots = []string{"/"} }, msg: "every file"},
		{name: "negative timeout", edit: func(c *Config) { c.Timeout = -time.Second }, msg: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			err := c.Validate()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want ErrInvalidConfig mentioning %q", err, tt.msg)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	cfg := DefaultConfig(filepath.Join(t.TempDir(), "c"))
	cfg.Timeout = 0
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.cfg.Timeout != DefaultTimeout {
		t.Errorf("timeout %s, want %s", f.cfg.Timeout, DefaultTimeout)
	}
	if _, err := New(Config{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New(Config{}) = %v, want ErrInvalidConfig", err)
	}
}

func TestPrivateKind(t *testing.T) {
	tests := []struct {
		addr    string
		private bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"fe80::1", true},
		{"fd00::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"224.0.0.1", true},
		{"ff02::1", true},
		{"255.255.255.255", true},
		{"100.64.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"64:ff9b::7f00:1", true},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"2606:4700:4700::1111", false},
		{"::ffff:8.8.8.8", false},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		if got := privateKind(a) != ""; got != tt.private {
			t.Errorf("privateKind(%s) = %q, want private=%v", tt.addr, privateKind(a), tt.private)
		}
		err := checkPublic(netip.AddrPortFrom(a, 443))
		if tt.private != errors.Is(err, ErrRefused) {
			t.Errorf("checkPublic(%s) = %v", tt.addr, err)
		}
	}
}

func TestDialControl(t *testing.T) {
	ctl := dialControl(checkPublic)
	for addr, refused := range map[string]bool{
		"127.0.0.1:80":          true,
		"[::1]:443":             true,
		"[fe80::1%eth0]:443":    true,
		"8.8.8.8:443":           false,
		"[2606:4700::1111]:443": false,
		"example.com:443":       true, // not resolved: cannot be checked
		"8.8.8.8":               true,
	} {
		if err := ctl("tcp", addr, nil); errors.Is(err, ErrRefused) != refused {
			t.Errorf("control(%q) = %v, want refused=%v", addr, err, refused)
		}
	}
}
