package testnet

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/chain"
	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/types"
)

// Network is a running chain and a client that signs with its demo keys.
type Network struct {
	Home     string
	Config   chain.Config
	Node     *chain.Node
	Client   *client.Client
	Keyring  keyring.Keyring
	Accounts map[string]string // key name → address
	t        testing.TB
	opts     Options
}

// Options tune the chain.
type Options struct {
	Params    types.Params
	BlockTime time.Duration
	// AfterEndBlock runs inside consensus after every block (see app.Options).
	AfterEndBlock func(sdk.Context) error
	// Logs, when true, sends the chain's logs to the test log.
	Logs bool
}

// DefaultOptions are devnet params with a few-second unbonding period, so
// tests can watch entries mature.
func DefaultOptions() Options {
	p := types.DevnetParams()
	p.UnbondingPeriod = 4 * time.Second
	p.ChallengeWindow = 2 * time.Second
	return Options{Params: p, BlockTime: 200 * time.Millisecond}
}

// New starts a chain in a temporary home and stops it when t ends.
func New(t testing.TB, opts Options) *Network {
	t.Helper()
	home := filepath.Join(t.TempDir(), "chain")
	addrs, err := chain.FreeLoopbackAddrs(4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := chain.DefaultConfig(home)
	cfg.ChainID = "gpunet-test-1"
	cfg.RPCAddr, cfg.P2PAddr, cfg.GRPCAddr, cfg.APIAddr = addrs[0], addrs[1], addrs[2], addrs[3]
	cfg.BlockTime = opts.BlockTime

	enc := app.MakeEncodingConfig()
	kr, err := keyring.New("gpunet", keyring.BackendTest, home, nil, enc.Codec)
	if err != nil {
		t.Fatalf("open keyring: %v", err)
	}
	accounts, err := chain.InitDevnet(cfg, kr, opts.Params, chain.DemoBalance)
	if err != nil {
		t.Fatalf("init chain: %v", err)
	}
	n := &Network{Home: home, Config: cfg, Keyring: kr, Accounts: map[string]string{}, t: t}
	for _, a := range accounts {
		n.Accounts[a.Name] = a.Address
	}
	n.opts = opts
	n.Start()
	return n
}

// Start (re)starts the node on the existing home.
func (n *Network) Start() {
	n.t.Helper()
	var logger log.Logger
	if n.opts.Logs {
		logger = log.NewLogger(testWriter{n.t})
	}
	node, err := chain.Start(context.Background(), n.Home, chain.StartOptions{CheckInvariants: true, Logger: logger, AfterEndBlock: n.opts.AfterEndBlock})
	if err != nil {
		n.t.Fatalf("start chain: %v", err)
	}
	n.Node = node
	c, err := client.Dial(client.Config{GRPCAddr: node.GRPCAddr, ChainID: node.ChainID, Keyring: n.Keyring, PollInterval: 50 * time.Millisecond})
	if err != nil {
		n.t.Fatalf("dial chain: %v", err)
	}
	n.Client = c
	n.t.Cleanup(n.Stop)
	n.WaitHeight(node.Height() + 2)
}

// Stop stops the node; safe to call twice.
func (n *Network) Stop() {
	if n.Client != nil {
		_ = n.Client.Close()
	}
	if n.Node != nil {
		if err := n.Node.Stop(); err != nil {
			n.t.Errorf("stop chain: %v", err)
		}
	}
}

// WaitHeight blocks until the chain has committed height h.
func (n *Network) WaitHeight(h int64) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Node.WaitHeight(ctx, h); err != nil {
		n.t.Fatalf("chain stuck: %v", err)
	}
}

// Ctx is a context that ends with the test, with a generous bound.
func (n *Network) Ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	n.t.Cleanup(cancel)
	return ctx
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Addr returns a demo account's address or fails the test.
func (n *Network) Addr(name string) string {
	a, ok := n.Accounts[name]
	if !ok {
		n.t.Fatalf("no demo account %q", name)
	}
	return a
}
