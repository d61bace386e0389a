package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	gpunode "github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/stake/chain"
	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/types"
)

func devnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run a whole one-validator network on this machine, with funded demo keys",
		Long: `devnet creates (on first start) and runs a one-validator gpunet chain in
--home (default ~/.gpunet/devnet), with demo keys in a test keyring funded with
1000 GPU each and short params (60 s unbonding) so every transition can be
watched. Ctrl-C stops it cleanly; the next start resumes from its state.
--reset starts over.`,
		Args: exactArgs(0, "no arguments"),
		RunE: runDevnet,
	}
	cmd.Flags().Bool("reset", false, "delete the devnet's home first and start a new chain")
	def := chain.DefaultConfig("")
	cmd.Flags().Duration("block-time", def.BlockTime, "time between blocks (when creating)")
	cmd.Flags().String("rpc-laddr", def.RPCAddr, "CometBFT RPC listen address (when creating)")
	cmd.Flags().String("p2p-laddr", def.P2PAddr, "CometBFT P2P listen address (when creating)")
	cmd.Flags().String("grpc-laddr", def.GRPCAddr, "gRPC listen address (when creating)")
	cmd.Flags().String("api-laddr", def.APIAddr, "REST listen address (when creating)")
	cmd.Flags().String("provider-p2p-laddr", "/ip4/127.0.0.1/tcp/4001", "the devnet provider's libp2p listen multiaddr (when creating)")
	cmd.Flags().String("provider-http-laddr", "127.0.0.1:7070", "the devnet provider's HTTP API address (when creating)")
	cmd.Flags().Bool("mdns", true, "let the devnet provider find peers on the LAN by mDNS (when creating)")
	return cmd
}

func runDevnet(cmd *cobra.Command, _ []string) error {
	home, _ := cmd.Flags().GetString(flagHome)
	reset, _ := cmd.Flags().GetBool("reset")
	out := cmd.OutOrStdout()
	if reset {
		if err := os.RemoveAll(home); err != nil {
			return fmt.Errorf("--reset: remove %s: %w", home, err)
		}
	}
	kr, err := openKeyring(cmd)
	if err != nil {
		return err
	}
	cfg := chain.DefaultConfig(home)
	f := cmd.Flags()
	cfg.BlockTime, _ = f.GetDuration("block-time")
	cfg.RPCAddr, _ = f.GetString("rpc-laddr")
	cfg.P2PAddr, _ = f.GetString("p2p-laddr")
	cfg.GRPCAddr, _ = f.GetString("grpc-laddr")
	cfg.APIAddr, _ = f.GetString("api-laddr")
	fresh := !chain.IsInitialized(cfg)
	var accounts []chain.DemoAccount
	if fresh {
		if accounts, err = chain.InitDevnet(cfg, kr, types.DevnetParams(), chain.DemoBalance); err != nil {
			return fmt.Errorf("create devnet in %s: %w", home, err)
		}
	} else if accounts, err = chain.EnsureKeys(kr, chain.DemoAccounts); err != nil {
		return err
	}

	logFile, err := chain.LogFile(home)
	if err != nil {
		return err
	}
	defer logFile.Close()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	node, err := chain.Start(ctx, home, chain.StartOptions{CheckInvariants: true, Logger: log.NewLogger(logFile, log.ColorOption(false))})
	if err != nil {
		return fmt.Errorf("start devnet: %w (its log is %s/node.log)", err, home)
	}
	resumedAt := node.Height()
	// Clients can use the chain once it has a block; say "running" then.
	if err := node.WaitHeight(ctx, resumedAt+1); err != nil {
		_ = node.Stop()
		return fmt.Errorf("start devnet: no block yet: %w (its log is %s/node.log)", err, home)
	}

	if fresh {
		// The demo provider needs bonded stake before the scheduler places
		// jobs on it (SPEC section 5: stake covers what cheating could gain).
		if err := stakeDemoProvider(ctx, node, kr); err != nil {
			_ = node.Stop()
			return fmt.Errorf("stake the devnet provider: %w", err)
		}
	}
	provider, stopProvider, err := startDevnetProvider(ctx, cmd, home, node, logFile)
	if err != nil {
		_ = node.Stop()
		return fmt.Errorf("start the devnet provider: %w (its log is %s/node.log)", err, home)
	}
	if wantJSON(cmd) {
		_ = printJSON(out, map[string]any{"home": home, "chain_id": node.ChainID, "rpc": "tcp://" + node.RPCAddr, "grpc": node.GRPCAddr, "api": "http://" + node.APIAddr, "accounts": accounts, "resumed": !fresh,
			"provider": map[string]any{"peer_id": provider.PeerID().String(), "http": "http://" + provider.HTTPAddr(), "p2p": provider.P2PAddrs()}})
	} else {
		if fresh {
			fmt.Fprintf(out, "Created a new devnet in %s.\n", home)
		} else {
			fmt.Fprintf(out, "Resuming the devnet in %s at height %d.\n", home, resumedAt)
		}
		fmt.Fprintf(out, "\nChain %s is running (logs: %s/node.log).\n  RPC   tcp://%s\n  gRPC  %s\n  REST  http://%s\n\nDemo accounts (keyring-backend test, in %s):\n",
			node.ChainID, home, node.RPCAddr, node.GRPCAddr, node.APIAddr, home)
		t := newTable(out, "KEY", "ADDRESS")
		for _, a := range accounts {
			t.AppendRow([]any{a.Name, a.Address})
		}
		t.Render()
		fmt.Fprintf(out, "\nProvider node (key provider1, home %s/provider):\n  peer ID  %s\n  HTTP     http://%s\n", home, provider.PeerID(), provider.HTTPAddr())
		// Client commands find a devnet on the default home and port by
		// themselves; say what else they need when those were changed.
		extra := ""
		if home != DefaultHome() {
			extra += " --home " + home
		}
		if node.GRPCAddr != defaultGRPCAddr {
			extra += " --grpc-addr " + node.GRPCAddr
		}
		offersFlag := ""
		if provider.HTTPAddr() != "127.0.0.1:7070" {
			offersFlag = " --node-http " + provider.HTTPAddr()
		}
		fmt.Fprintf(out, `
Try, in another shell:
  gpunet stake add 5000000ugpu --role provider --from provider1%[1]s
  gpunet stake show provider1%[1]s
  gpunet provider list%[1]s
  gpunet offers%[2]s
  gpunet stake remove 2000000ugpu --role provider --from provider1%[1]s
  make trainer-image   # once: the example job's image, built locally
  gpunet job submit examples/jobs/trainer-cpu.yaml --image gpunet/trainer:dev --from alice --watch%[1]s
  gpunet job status 1%[1]s                  # timeline, checkpoints, what the provider was paid

Press Ctrl-C to stop; the next start resumes where it stopped.
`, extra, offersFlag)
	}

	<-ctx.Done()
	if err := stopProvider(); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "stop the devnet provider:", err)
	}
	height := node.Height()
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- node.Stop() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("stop devnet: %w", err)
		}
	case <-stopCtx.Done():
		return fmt.Errorf("stop devnet: still stopping after 30s; its state is safe up to height %d", height)
	}
	// A block may commit while the node stops: the height it stopped at is
	// the last one committed, read once it has stopped.
	height = node.Height()
	if !wantJSON(cmd) {
		fmt.Fprintf(out, "\nStopped at height %d. State kept in %s; run `gpunet devnet` again to resume.\n", height, home)
	}
	return nil
}

// demoProviderStake is what the devnet bonds for provider1 on creation.
const demoProviderStake = 100_000_000 // 100 GPU

func stakeDemoProvider(ctx context.Context, node *chain.Node, kr keyring.Keyring) error {
	c, err := client.Dial(client.Config{GRPCAddr: node.GRPCAddr, ChainID: node.ChainID, Keyring: kr})
	if err != nil {
		return err
	}
	defer c.Close()
	addr, err := c.Address("provider1")
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = c.Send(sctx, "provider1", &types.MsgStake{Staker: addr.String(), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, demoProviderStake)})
	return err
}

// startDevnetProvider runs provider1's node beside the chain, creating its
// config in home/provider on first start. stop waits for it to finish.
func startDevnetProvider(ctx context.Context, cmd *cobra.Command, home string, chainNode *chain.Node, logFile io.Writer) (*gpunode.Node, func() error, error) {
	nodeHome := filepath.Join(home, "provider")
	cfg, err := gpunode.LoadConfig(nodeHome)
	if err != nil {
		if _, statErr := os.Stat(filepath.Join(nodeHome, gpunode.ConfigFile)); statErr == nil {
			return nil, nil, err
		}
		f := cmd.Flags()
		cfg = gpunode.DefaultConfig(nodeHome)
		cfg.KeyringDir = home
		cfg.Chain = gpunode.ChainConfig{GRPC: chainNode.GRPCAddr, RPC: "tcp://" + chainNode.RPCAddr, ChainID: chainNode.ChainID}
		p2pAddr, _ := f.GetString("provider-p2p-laddr")
		cfg.P2P.Listen = []string{p2pAddr}
		cfg.P2P.MDNS, _ = f.GetBool("mdns")
		cfg.HTTP.Listen, _ = f.GetString("provider-http-laddr")
		cfg.Offer.Heartbeat = "10s"
		if _, err := gpunode.WriteConfig(cfg); err != nil {
			return nil, nil, err
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	nd, err := gpunode.New(runCtx, cfg, gpunode.Deps{}, slog.New(slog.NewTextHandler(logFile, nil)).With("module", "provider"))
	if err != nil {
		cancel()
		return nil, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- nd.Run(runCtx) }()
	return nd, func() error {
		cancel()
		return errors.Join(<-done, nd.Close())
	}, nil
}
