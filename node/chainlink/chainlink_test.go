package chainlink

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/types"
)

const peerID = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func eventually(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRegistrarWaitsForChain: a node pointed at a chain that is down keeps
// running, says what it waits for, and registers once the chain is back;
// later changes to its GPUs reach the chain too.
func TestRegistrarWaitsForChain(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	grpcAddr, chainID := n.Node.GRPCAddr, n.Node.ChainID
	n.Stop()

	c, err := client.Dial(client.Config{GRPCAddr: grpcAddr, ChainID: chainID, Keyring: n.Keyring, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var logs syncBuffer
	entry := Entry{PeerID: peerID, Multiaddrs: []string{"/ip4/127.0.0.1/tcp/4001"}, Price: sdk.NewInt64Coin(types.Denom, 2_000_000)}
	r := NewRegistrar(c, "provider1", entry, slog.New(slog.NewTextHandler(&logs, nil)))
	r.MaxBackoff = 500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	eventually(t, "the registrar to say it waits for the chain", 15*time.Second, func() bool {
		return strings.Contains(logs.String(), "waiting for the chain")
	})
	if got := strings.Count(logs.String(), "waiting for the chain"); got != 1 {
		t.Errorf("said it was waiting %d times; once is enough:\n%s", got, logs.String())
	}

	n.Start()
	addr := n.Addr("provider1")
	provider := func() (types.Provider, bool) {
		res, err := n.Client.Query.Provider(n.Ctx(), &types.QueryProviderRequest{Address: addr})
		if err != nil {
			return types.Provider{}, false
		}
		return res.Provider, true
	}
	eventually(t, "registration once the chain is back", 30*time.Second, func() bool {
		p, ok := provider()
		return ok && p.PeerId == peerID
	})

	entry.GPUs = []types.GPU{{Model: "NVIDIA H100 80GB HBM3", MemoryMib: 81559, ComputeCapability: "9.0", Count: 8}}
	r.Update(entry)
	eventually(t, "the GPU change to reach the chain", 30*time.Second, func() bool {
		p, ok := provider()
		return ok && len(p.Gpus) == 1 && p.Gpus[0].Count == 8 && p.FreeGpus == 8
	})

	reg := NewRegistry(n.Client)
	id, err := reg.PeerIDOf(n.Ctx(), addr)
	if err != nil || id.String() != peerID {
		t.Fatalf("PeerIDOf(%s) = %s, %v; want %s", addr, id, err, peerID)
	}
	if _, err := reg.PeerIDOf(n.Ctx(), n.Addr("bob")); err == nil || !strings.Contains(err.Error(), ErrNotRegistered.Error()) {
		t.Fatalf("PeerIDOf(bob) error %v; want ErrNotRegistered", err)
	}
}

// TestWatcherFollowsAcrossRestart: events arrive, the chain restarts, and
// events arrive again without anyone restarting the watcher.
func TestWatcherFollowsAcrossRestart(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	w := NewWatcher(n.Node.RPCAddr, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	w.StallTimeout, w.Retry = 3*time.Second, 300*time.Millisecond
	events := make(chan Event, 256)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(e Event) { events <- e }) }()
	defer func() {
		cancel()
		<-done
	}()

	staked := func(amount int64) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			// The watcher may still be connecting; keep staking until an
			// event for this amount shows up.
			if _, err := n.Client.Send(n.Ctx(), "provider1", &types.MsgStake{Staker: n.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, amount)}); err != nil {
				t.Fatal(err)
			}
			wait := time.After(3 * time.Second)
			for {
				select {
				case e := <-events:
					if e.Type == "gpunet.stake.v1.EventStaked" && e.Attributes["amount"] == math.NewInt(amount).String() && e.Attributes["address"] == n.Addr("provider1") {
						return
					}
					continue
				case <-wait:
				case <-deadline:
					t.Fatalf("no EventStaked of %d seen", amount)
				}
				break
			}
		}
	}
	staked(1_000_000)
	n.Stop()
	n.Start()
	staked(2_000_000)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
