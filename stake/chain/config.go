package chain

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"time"
)

// Config says where a node keeps its files and where it listens.
type Config struct {
	Home    string
	ChainID string
	Moniker string
	// Listen addresses as host:port. Loopback by default: a node is opened
	// to the network only when someone says so.
	RPCAddr  string
	P2PAddr  string
	GRPCAddr string
	APIAddr  string
	// BlockTime is CometBFT's timeout_commit: the pause between blocks.
	BlockTime time.Duration
	// CheckInvariants verifies the ledger invariant after every block.
	CheckInvariants bool
}

// DefaultConfig is a single local validator on the usual Cosmos ports.
func DefaultConfig(home string) Config {
	return Config{
		Home:      home,
		ChainID:   "gpunet-devnet-1",
		Moniker:   "gpunet-validator",
		RPCAddr:   "127.0.0.1:26657",
		P2PAddr:   "127.0.0.1:26656",
		GRPCAddr:  "127.0.0.1:9090",
		APIAddr:   "127.0.0.1:1317",
		BlockTime: time.Second,
	}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	if c.Home == "" {
		return errors.New("home: missing; pass --home DIR")
	}
	if c.ChainID == "" {
		return errors.New("chain-id: missing; pass --chain-id, e.g. gpunet-devnet-1")
	}
	for _, a := range []struct{ name, addr string }{
		{"rpc address", c.RPCAddr}, {"p2p address", c.P2PAddr}, {"grpc address", c.GRPCAddr}, {"api address", c.APIAddr},
	} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("%s: %q is not host:port (%v)", a.name, a.addr, err)
		}
	}
	if c.BlockTime <= 0 {
		return fmt.Errorf("block time: must be positive (got %s)", c.BlockTime)
	}
	return nil
}

func (c Config) configDir() string   { return filepath.Join(c.Home, "config") }
func (c Config) dataDir() string     { return filepath.Join(c.Home, "data") }
func (c Config) genesisFile() string { return filepath.Join(c.configDir(), "genesis.json") }
func (c Config) cometFile() string   { return filepath.Join(c.configDir(), "config.toml") }
func (c Config) appFile() string     { return filepath.Join(c.configDir(), "app.toml") }

// GenesisFile is where the chain's genesis lives.
func (c Config) GenesisFile() string { return c.genesisFile() }

// FreeLoopbackAddrs reserves n distinct free ports on 127.0.0.1, for tests
// and for several nodes on one machine.
func FreeLoopbackAddrs(n int) ([]string, error) {
	out := make([]string, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve loopback port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}
