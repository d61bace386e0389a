// Package testnode runs real provider nodes on loopback against a test
// chain (internal/testnet) for end-to-end tests, and cleans them up.
//
// It is for tests only; it must not be imported by production code.
package testnode

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/node/gpu"
	"github.com/gpunet/gpunet/stake/types"
)

// Config is key's provider node on loopback, talking to net's chain, with
// short offer timings, the docker driver and a 200 ms lease poll.
func Config(t testing.TB, net *testnet.Network, key string, bootstrap []string) node.Config {
	t.Helper()
	cfg := node.DefaultConfig(filepath.Join(t.TempDir(), key))
	cfg.Key = key
	cfg.KeyringDir = net.Home
	cfg.Chain = node.ChainConfig{GRPC: net.Node.GRPCAddr, RPC: net.Node.RPCAddr}
	cfg.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	cfg.P2P.Bootstrap = bootstrap
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Offer.Heartbeat, cfg.Offer.TTL = "1s", "30s"
	cfg.Runtime.PollInterval = "200ms"
	return cfg
}

// Start runs a node until the test ends, or until kill is called (the
// process ends; containers it started are left as they are; killing twice
// does nothing). Without deps.GPUs the node has no GPUs. Its log is printed
// if the test fails.
func Start(t testing.TB, cfg node.Config, deps node.Deps) (nd *node.Node, kill func()) {
	t.Helper()
	if deps.GPUs == nil {
		deps.GPUs = gpu.Null{Reason: "test machine: no NVIDIA driver"}
	}
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of %s's node:\n%s", cfg.Key, logs.String())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	nd, err := node.New(ctx, cfg, deps, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- nd.Run(ctx) }()
	var once sync.Once
	kill = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node run: %v", err)
			}
			if err := nd.Close(); err != nil {
				t.Errorf("node close: %v", err)
			}
		})
	}
	t.Cleanup(kill)
	return nd, kill
}

// WaitRegistered waits until key's provider entry on chain has capacity and
// addresses, so the scheduler can place jobs on it and peers can dial it.
func WaitRegistered(t testing.TB, net *testnet.Network, key string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		res, err := net.Client.Query.Provider(net.Ctx(), &types.QueryProviderRequest{Address: net.Addr(key)})
		if err == nil && res.Provider.Cpus > 0 && len(res.Provider.Multiaddrs) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's node did not register with capacity within 45s", key)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var _ io.Writer = (*lockedBuffer)(nil)
