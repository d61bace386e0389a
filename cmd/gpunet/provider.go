package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/gpunet/gpunet/stake/types"
)

func providerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "provider", Short: "Run a provider node, register providers and list them"}
	cmd.AddCommand(providerInitCmd(), providerStartCmd(), providerRegisterCmd(false), providerRegisterCmd(true), providerListCmd())
	return cmd
}

// parseGPU reads MODEL:MEMORY_MIB:COMPUTE_CAPABILITY:COUNT.
func parseGPU(s string) (types.GPU, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return types.GPU{}, fmt.Errorf("--gpu: %q is not MODEL:MEMORY_MIB:COMPUTE_CAPABILITY:COUNT, e.g. \"NVIDIA H100 80GB HBM3:81559:9.0:8\"", s)
	}
	mem, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return types.GPU{}, fmt.Errorf("--gpu %q: memory %q is not a whole number of MiB", s, parts[1])
	}
	count, err := strconv.ParseUint(parts[3], 10, 32)
	if err != nil {
		return types.GPU{}, fmt.Errorf("--gpu %q: count %q is not a whole number", s, parts[3])
	}
	return types.GPU{Model: parts[0], MemoryMib: mem, ComputeCapability: parts[2], Count: uint32(count)}, nil
}

func providerRegisterCmd(update bool) *cobra.Command {
	use, short := "register", "Register the signing account as a GPU provider"
	if update {
		use, short = "update", "Replace a registered provider's peer ID, addresses, GPUs or price"
	}
	cmd := &cobra.Command{
		Use:     use + " --peer-id ID --price AMOUNT [--gpu MODEL:MIB:CC:COUNT]... [--multiaddr ADDR]... --from KEY",
		Short:   short,
		Example: "  gpunet provider " + use + " --peer-id 12D3KooW... --gpu 'NVIDIA A100-SXM4-80GB:81920:8.0:8' --price 2gpu --from provider1",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			peerID, _ := cmd.Flags().GetString("peer-id")
			addrs, _ := cmd.Flags().GetStringArray("multiaddr")
			gpuFlags, _ := cmd.Flags().GetStringArray("gpu")
			priceText, _ := cmd.Flags().GetString("price")
			cpus, _ := cmd.Flags().GetUint64("cpus")
			memory, _ := cmd.Flags().GetUint64("memory-mib")
			disk, _ := cmd.Flags().GetUint64("disk-mib")
			price, err := parseCoin("price_per_gpu_hour", priceText)
			if err != nil {
				return err
			}
			gpus := make([]types.GPU, 0, len(gpuFlags))
			for _, g := range gpuFlags {
				v, err := parseGPU(g)
				if err != nil {
					return err
				}
				gpus = append(gpus, v)
			}
			tx, err := sendTx(cmd, func(signer string) sdk.Msg {
				if update {
					return &types.MsgUpdateProvider{Owner: signer, PeerId: peerID, Multiaddrs: addrs, Gpus: gpus, PricePerGpuHour: price,
						Cpus: cpus, MemoryMib: memory, DiskMib: disk}
				}
				return &types.MsgRegisterProvider{Owner: signer, PeerId: peerID, Multiaddrs: addrs, Gpus: gpus, PricePerGpuHour: price,
					Cpus: cpus, MemoryMib: memory, DiskMib: disk}
			})
			if err != nil {
				return err
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"tx": tx.Hash, "height": tx.Height, "address": tx.Address, "peer_id": peerID})
			}
			verb := "Registered"
			if update {
				verb = "Updated"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s provider %s (%s) with peer ID %s at height %d.\n", verb, tx.Key, tx.Address, peerID, tx.Height)
			return nil
		},
	}
	cmd.Flags().String("peer-id", "", "the node's libp2p peer ID")
	cmd.Flags().StringArray("multiaddr", nil, "an address peers can dial (repeatable)")
	cmd.Flags().StringArray("gpu", nil, "GPUs as MODEL:MEMORY_MIB:COMPUTE_CAPABILITY:COUNT (repeatable; none for a CPU-only provider)")
	cmd.Flags().String("price", "", "price per GPU-hour, e.g. 2gpu or 2000000ugpu")
	cmd.Flags().Uint64("cpus", 0, "CPUs offered to jobs (a provider node registers its own)")
	cmd.Flags().Uint64("memory-mib", 0, "memory offered to jobs, MiB")
	cmd.Flags().Uint64("disk-mib", 0, "disk offered to jobs, MiB")
	addChainFlags(cmd, true)
	return cmd
}

func providerListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List registered providers",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			var all []types.Provider
			var key []byte
			for {
				res, err := s.Query.Providers(s.ctx, &types.QueryProvidersRequest{Pagination: &query.PageRequest{Key: key, Limit: 200}})
				if err != nil {
					return unwrap(err)
				}
				all = append(all, res.Providers...)
				if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
					break
				}
				key = res.Pagination.NextKey
			}
			if wantJSON(cmd) {
				out := make([]map[string]any, 0, len(all))
				for _, p := range all {
					bz, err := s.Encoding().Codec.MarshalJSON(&p)
					if err != nil {
						return err
					}
					var m map[string]any
					if err := jsonUnmarshal(bz, &m); err != nil {
						return err
					}
					out = append(out, m)
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			if len(all) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No providers registered yet. Register one with `gpunet provider register`.")
				return nil
			}
			t := newTable(cmd.OutOrStdout(), "ADDRESS", "PEER ID", "GPUS", "FREE", "PRICE/GPU-H", "STATUS")
			for _, p := range all {
				var gpus []string
				for _, g := range p.Gpus {
					gpus = append(gpus, fmt.Sprintf("%d× %s", g.Count, g.Model))
				}
				if len(gpus) == 0 {
					gpus = []string{"none (CPU only)"}
				}
				t.AppendRow([]any{p.Address, p.PeerId, strings.Join(gpus, ", "), p.FreeGpus, gpu(p.PricePerGpuHour), strings.ToLower(strings.TrimPrefix(p.Status.String(), "PROVIDER_STATUS_"))})
			}
			t.Render()
			return nil
		},
	}
	addChainFlags(cmd, false)
	return cmd
}
