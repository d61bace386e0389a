package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

func stakeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "stake", Short: "Bond, unbond and show stake (as a provider or a verifier)"}
	cmd.AddCommand(stakeTxCmd(false), stakeTxCmd(true), stakeShowCmd())
	return cmd
}

func stakeTxCmd(remove bool) *cobra.Command {
	use, short, example := "add", "Bond tokens for a role", "  gpunet stake add 5000000ugpu --role provider --from provider1\n  gpunet stake add 5gpu --role verifier --from verifier1"
	if remove {
		use, short, example = "remove", "Start unbonding tokens; they return to the balance after the unbonding period", "  gpunet stake remove 2000000ugpu --role provider --from provider1"
	}
	cmd := &cobra.Command{
		Use:     use + " AMOUNT --role provider|verifier --from KEY",
		Short:   short,
		Example: example,
		Args:    exactArgs(1, "AMOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, _ := cmd.Flags().GetString("role")
			role, err := types.ParseRole(r)
			if err != nil {
				return err
			}
			amount, err := parseCoin("amount", args[0])
			if err != nil {
				return err
			}
			tx, err := sendTx(cmd, func(signer string) sdk.Msg {
				if remove {
					return &types.MsgUnstake{Staker: signer, Role: role, Amount: amount}
				}
				return &types.MsgStake{Staker: signer, Role: role, Amount: amount}
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if remove {
				e := tx.Responses[0].(*types.MsgUnstakeResponse).Entry
				if wantJSON(cmd) {
					return printJSON(out, map[string]any{"tx": tx.Hash, "height": tx.Height, "entry": unbondingView(e)})
				}
				fmt.Fprintf(out, "Unbonding %s of %s's %s stake: entry %d completes at %s (%s).\nUntil then it can still be slashed for faults committed up to height %d.\n",
					gpu(e.Amount), tx.Key, role.ShortName(), e.Id, e.CompletionTime.Format(time.RFC3339), ago(e.CompletionTime, time.Now()), e.CreationHeight)
				return nil
			}
			bonded := tx.Responses[0].(*types.MsgStakeResponse).Bonded
			if wantJSON(cmd) {
				return printJSON(out, map[string]any{"tx": tx.Hash, "height": tx.Height, "address": tx.Address, "role": role.ShortName(), "staked": amount.String(), "bonded": bonded.String() + types.Denom})
			}
			fmt.Fprintf(out, "Staked %s as %s for %s (%s) at height %d.\nBonded now: %s.\n", gpu(amount.Amount), role.ShortName(), tx.Key, tx.Address, tx.Height, gpu(bonded))
			return nil
		},
	}
	cmd.Flags().String("role", "", "provider or verifier")
	addChainFlags(cmd, true)
	return cmd
}

type unbondingJSON struct {
	ID             uint64 `json:"id"`
	Role           string `json:"role"`
	Amount         string `json:"amount"`
	CreationHeight int64  `json:"creation_height"`
	CompletionTime string `json:"completion_time"`
}

func unbondingView(e types.UnbondingEntry) unbondingJSON {
	return unbondingJSON{ID: e.Id, Role: e.Role.ShortName(), Amount: e.Amount.String() + types.Denom, CreationHeight: e.CreationHeight, CompletionTime: e.CompletionTime.Format(time.RFC3339)}
}

func stakeShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show KEY|ADDRESS",
		Short:   "Show an account's balance, bonded stake and unbonding entries",
		Example: "  gpunet stake show provider1",
		Args:    exactArgs(1, "KEY|ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			addr := args[0]
			if a, err := s.Address(args[0]); err == nil {
				addr = a.String()
			}
			bal, err := s.Balance(s.ctx, addr)
			if err != nil {
				return err
			}
			st, err := s.Query.StakeOf(s.ctx, &types.QueryStakeOfRequest{Address: addr})
			if err != nil {
				return unwrap(err)
			}
			if wantJSON(cmd) {
				bonded := map[string]string{}
				for _, b := range st.Stakes {
					bonded[b.Role.ShortName()] = b.Amount.String() + types.Denom
				}
				entries := make([]unbondingJSON, 0, len(st.Unbonding))
				for _, e := range st.Unbonding {
					entries = append(entries, unbondingView(e))
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"address": addr, "balance": bal.String(), "bonded": bonded, "unbonding": entries})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Account %s\nBalance: %s\n", addr, gpu(bal.Amount))
			t := newTable(out, "ROLE", "BONDED")
			for _, role := range types.Roles {
				amount := "0 GPU"
				for _, b := range st.Stakes {
					if b.Role == role {
						amount = gpu(b.Amount)
					}
				}
				t.AppendRow([]any{role.ShortName(), amount})
			}
			t.Render()
			if len(st.Unbonding) == 0 {
				fmt.Fprintln(out, "No unbonding entries.")
				return nil
			}
			u := newTable(out, "ENTRY", "ROLE", "AMOUNT", "COMPLETES", "")
			now := time.Now()
			for _, e := range st.Unbonding {
				u.AppendRow([]any{e.Id, e.Role.ShortName(), gpu(e.Amount), e.CompletionTime.Local().Format(time.DateTime), ago(e.CompletionTime, now)})
			}
			u.Render()
			return nil
		},
	}
	addChainFlags(cmd, false)
	return cmd
}
