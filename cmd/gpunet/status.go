package main

import (
	"fmt"
	"runtime/debug"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"

	"github.com/gpunet/gpunet/stake/types"
)

func statusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the chain's height and the ledger's totals",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			blk, err := cmtservice.NewServiceClient(s.Conn()).GetLatestBlock(s.ctx, &cmtservice.GetLatestBlockRequest{})
			if err != nil {
				return unwrap(err)
			}
			tot, err := s.Query.Totals(s.ctx, &types.QueryTotalsRequest{})
			if err != nil {
				return unwrap(err)
			}
			h := blk.SdkBlock.Header
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"chain_id": h.ChainID, "height": h.Height, "time": h.Time,
					"bonded": tot.Bonded.String() + types.Denom, "unbonding": tot.Unbonding.String() + types.Denom,
					"escrow": tot.Escrow.String() + types.Denom, "module_balance": tot.ModuleBalance.String() + types.Denom})
			}
			t := newTable(cmd.OutOrStdout(), "", "")
			t.AppendRows([]table.Row{
				{"chain", h.ChainID}, {"height", h.Height}, {"block time", h.Time.Local().Format("2006-01-02 15:04:05")},
				{"bonded", gpu(tot.Bonded)}, {"unbonding", gpu(tot.Unbonding)}, {"escrow", gpu(tot.Escrow)},
				{"module account", gpu(tot.ModuleBalance)},
			})
			t.Render()
			return nil
		},
	}
	addChainFlags(cmd, false)
	return cmd
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "gpunet %s\n", v)
			return err
		},
	}
}
