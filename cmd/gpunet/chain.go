package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"cosmossdk.io/log/v2"

	"github.com/gpunet/gpunet/stake/chain"
	"github.com/gpunet/gpunet/stake/types"
)

func chainCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "chain", Short: "Create, run and export a validator node"}
	cmd.AddCommand(chainInitCmd(), chainStartCmd(), chainExportCmd())
	return cmd
}

func chainInitCmd() *cobra.Command {
	def := chain.DefaultConfig("")
	cmd := &cobra.Command{
		Use:   "init --home DIR --chain-id ID [--account ADDRESS=AMOUNT]...",
		Short: "Create a one-validator chain's home: config, consensus key and genesis",
		Example: "  gpunet chain init --home ~/.gpunet/node --chain-id gpunet-1 \\\n" +
			"    --account gpunet1...=1000gpu --params default",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			cfg := chain.DefaultConfig("")
			cfg.Home, _ = f.GetString(flagHome)
			cfg.ChainID, _ = f.GetString(flagChainID)
			cfg.Moniker, _ = f.GetString("moniker")
			cfg.RPCAddr, _ = f.GetString("rpc-laddr")
			cfg.P2PAddr, _ = f.GetString("p2p-laddr")
			cfg.GRPCAddr, _ = f.GetString("grpc-laddr")
			cfg.APIAddr, _ = f.GetString("api-laddr")
			cfg.BlockTime, _ = f.GetDuration("block-time")
			gen := chain.Genesis{Params: types.DefaultParams()}
			switch p, _ := f.GetString("params"); p {
			case "default":
			case "devnet":
				gen.Params = types.DevnetParams()
			default:
				return usageError{fmt.Errorf("--params: %q is not a preset; use default or devnet", p)}
			}
			accts, _ := f.GetStringArray("account")
			for _, a := range accts {
				addr, amount, ok := strings.Cut(a, "=")
				if !ok {
					return usageError{fmt.Errorf("--account: %q is not ADDRESS=AMOUNT, e.g. gpunet1...=1000gpu", a)}
				}
				c, err := parseCoin("--account "+addr, amount)
				if err != nil {
					return err
				}
				gen.Accounts = append(gen.Accounts, chain.Account{Address: addr, Balance: c.Amount})
			}
			if err := chain.Init(cfg, gen); err != nil {
				return err
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"home": cfg.Home, "chain_id": cfg.ChainID, "genesis": cfg.GenesisFile()})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Initialized chain %s in %s.\nGenesis: %s\nStart it with: gpunet chain start --home %s\n", cfg.ChainID, cfg.Home, cfg.GenesisFile(), cfg.Home)
			return nil
		},
	}
	f := cmd.Flags()
	f.String(flagChainID, "gpunet-1", "the chain's ID")
	f.String("moniker", def.Moniker, "this validator's name")
	f.String("rpc-laddr", def.RPCAddr, "CometBFT RPC listen address")
	f.String("p2p-laddr", def.P2PAddr, "CometBFT P2P listen address")
	f.String("grpc-laddr", def.GRPCAddr, "gRPC listen address")
	f.String("api-laddr", def.APIAddr, "REST listen address")
	f.Duration("block-time", def.BlockTime, "time between blocks")
	f.String("params", "default", "parameter preset: default or devnet (60 s unbonding)")
	f.StringArray("account", nil, "a funded genesis account as ADDRESS=AMOUNT (repeatable)")
	return cmd
}

func chainStartCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start --home DIR",
		Short: "Run a validator node until interrupted",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString(flagHome)
			check, _ := cmd.Flags().GetBool("check-invariants")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			node, err := chain.Start(ctx, home, chain.StartOptions{CheckInvariants: check, Logger: log.NewLogger(cmd.ErrOrStderr())})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Chain %s running: RPC tcp://%s, gRPC %s, REST http://%s\n", node.ChainID, node.RPCAddr, node.GRPCAddr, node.APIAddr)
			<-ctx.Done()
			return node.Stop()
		},
	}
	cmd.Flags().Bool("check-invariants", false, "verify bonded + unbonding + escrow = module balance after every block (walks all state)")
	return cmd
}

func chainExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export --home DIR [--out FILE]",
		Short: "Write a stopped node's current state as a genesis file",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString(flagHome)
			outFile, _ := cmd.Flags().GetString("out")
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			bz, err := chain.Export(ctx, home)
			if err != nil {
				return err
			}
			if outFile == "" {
				_, err = cmd.OutOrStdout().Write(append(bz, '\n'))
				return err
			}
			if err := os.WriteFile(outFile, bz, 0o600); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			abs, _ := filepath.Abs(outFile)
			fmt.Fprintf(cmd.OutOrStdout(), "Exported genesis to %s\n", abs)
			return nil
		},
	}
	cmd.Flags().String("out", "", "file to write (default: standard output)")
	return cmd
}
