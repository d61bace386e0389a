package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/node"
)

// DefaultNodeHome is where `gpunet provider` keeps a node's config, keys and store.
func DefaultNodeHome() string {
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".gpunet/provider"
	}
	return filepath.Join(dir, ".gpunet", "provider")
}

// addNodeFlags adds the flags that override config.toml.
func addNodeFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("node-home", DefaultNodeHome(), "the provider node's home (config.toml, p2p key, store)")
	f.String("key", "", "keyring key that signs for this provider (config: key)")
	f.String("chain-grpc", "", "chain node's gRPC address (config: chain.grpc)")
	f.String("chain-rpc", "", "chain node's CometBFT RPC address (config: chain.rpc)")
	f.StringArray("p2p-listen", nil, "libp2p listen multiaddr, repeatable (config: p2p.listen)")
	f.StringArray("bootstrap", nil, "bootstrap peer /ip4/.../p2p/ID, repeatable (config: p2p.bootstrap)")
	f.Bool("mdns", false, "find peers on the LAN by mDNS (config: p2p.mdns)")
	f.String("http-listen", "", "HTTP API address (config: http.listen)")
	f.String("price", "", "price per GPU-hour, e.g. 2gpu (config: offer.price_per_gpu_hour)")
}

// applyNodeFlags overrides cfg with the flags that were set.
func applyNodeFlags(cmd *cobra.Command, cfg *node.Config) {
	f := cmd.Flags()
	str := func(name string, dst *string) {
		if f.Changed(name) {
			*dst, _ = f.GetString(name)
		}
	}
	list := func(name string, dst *[]string) {
		if f.Changed(name) {
			*dst, _ = f.GetStringArray(name)
		}
	}
	str("key", &cfg.Key)
	str("chain-grpc", &cfg.Chain.GRPC)
	str("chain-rpc", &cfg.Chain.RPC)
	list("p2p-listen", &cfg.P2P.Listen)
	list("bootstrap", &cfg.P2P.Bootstrap)
	if f.Changed("mdns") {
		cfg.P2P.MDNS, _ = f.GetBool("mdns")
	}
	str("http-listen", &cfg.HTTP.Listen)
	str("price", &cfg.Offer.Price)
	if f.Changed(flagKeyringBackend) {
		cfg.KeyringBackend, _ = f.GetString(flagKeyringBackend)
	}
}

func providerInitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init [--node-home DIR]",
		Short: "Write a commented default config.toml for a provider node",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString("node-home")
			keyring, _ := cmd.Flags().GetString(flagHome)
			cfg := node.DefaultConfig(home)
			cfg.KeyringDir = keyring
			applyNodeFlags(cmd, &cfg)
			path, err := node.WriteConfig(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote %s.\nEdit it, then run: gpunet provider start --node-home %s\n", path, home)
			return nil
		},
	}
	addNodeFlags(cmd)
	return cmd
}

func providerStartCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start [--node-home DIR]",
		Short: "Run the provider daemon: GPU inventory, libp2p, chain registration, signed offers, HTTP API",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString("node-home")
			cfg, err := node.LoadConfig(home)
			if err != nil {
				return err
			}
			applyNodeFlags(cmd, &cfg)
			if err := cfg.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			nd, err := node.New(ctx, cfg, node.Deps{}, logger)
			if err != nil {
				return err
			}
			defer nd.Close()
			st := nd.Status()
			fmt.Fprintf(cmd.OutOrStdout(), "Provider node %s (chain address %s)\n  HTTP  http://%s\n  P2P   %s\n", st.PeerID, st.ChainAddress, nd.HTTPAddr(), strings.Join(st.Addrs, "\n        "))
			return nd.Run(ctx)
		},
	}
	addNodeFlags(cmd)
	return cmd
}

func offersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "offers [--node-http ADDR]",
		Short: "Show the live view of GPU offers a provider node has received",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, _ := cmd.Flags().GetString("node-http")
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/v1/offers", nil)
			if err != nil {
				return fmt.Errorf("--node-http: %w", err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("ask the provider node at %s: %w; is it running (gpunet devnet or gpunet provider start) and --node-http right?", addr, err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
			if err != nil {
				return fmt.Errorf("read offers from %s: %w", addr, err)
			}
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("provider node at %s answered %s: %s", addr, res.Status, strings.TrimSpace(string(body)))
			}
			var list []node.OfferView
			if err := json.Unmarshal(body, &list); err != nil {
				return fmt.Errorf("decode offers from %s: %w", addr, err)
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No offers seen yet (offers from other providers appear within a heartbeat).")
				return nil
			}
			t := newTable(cmd.OutOrStdout(), "PEER ID", "CHAIN ADDRESS", "FREE GPUS", "PRICE/GPU-H", "SEQ", "EXPIRES")
			for _, o := range list {
				var gpus []string
				for _, g := range o.FreeGPUs {
					gpus = append(gpus, fmt.Sprintf("%d× %s", g.Count, g.Model))
				}
				if len(gpus) == 0 {
					gpus = []string{"none (CPU only)"}
				}
				t.AppendRow([]any{o.PeerID, o.ChainAddress, strings.Join(gpus, ", "), o.PricePerGPUHour, o.Sequence, ago(o.Expiry, time.Now())})
			}
			t.Render()
			return nil
		},
	}
	cmd.Flags().String("node-http", "127.0.0.1:7070", "the provider node's HTTP address")
	return cmd
}
