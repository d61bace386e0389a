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
	cmd.AddCommand(stakeAddCmd(), stakeRemoveCmd(), stakeShowCmd())
	return cmd
}

// stakeArgs reads what add and remove share: the amount, --role, --from.
func stakeArgs(cmd *cobra.Command, args []string) (name string, role types.Role, amount sdk.Coin, err error) {
	if name, err = from(cmd); err != nil {
		return
	}
	r, _ := cmd.Flags().GetString("role")
	if role, err = types.ParseRole(r); err != nil {
		return
	}
	amount, err = parseCoin("amount", args[0])
	return
}

func stakeAddCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "add AMOUNT --role provider|verifier --from KEY",
		Short:   "Bond tokens for a role",
		Example: "  gpunet stake add 5000000ugpu --role provider --from provider1\n  gpunet stake add 5gpu --role verifier --from verifier1",
		Args:    exactArgs(1, "AMOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, role, amount, err := stakeArgs(cmd, args)
			if err != nil {
				return err
			}
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			addr, err := s.Address(name)
			if err != nil {
				return err
			}
			res, err := s.Send(s.ctx, name, &types.MsgStake{Staker: addr.String(), Role: role, Amount: amount})
			if err != nil {
				return err
			}
			bonded := res.Responses[0].(*types.MsgStakeResponse).Bonded
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"tx": res.Hash, "height": res.Height, "address": addr.String(), "role": role.ShortName(), "staked": amount.String(), "bonded": bonded.String() + types.Denom})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Staked %s as %s for %s (%s) at height %d.\nBonded now: %s.\n", gpu(amount.Amount), role.ShortName(), name, addr, res.Height, gpu(bonded))
			return nil
		},
	}
	cmd.Flags().String("role", "", "provider or verifier")
	addChainFlags(cmd, true)
	return cmd
}

func stakeRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "remove AMOUNT --role provider|verifier --from KEY",
		Short:   "Start unbonding tokens; they return to the balance after the unbonding period",
		Example: "  gpunet stake remove 2000000ugpu --role provider --from provider1",
		Args:    exactArgs(1, "AMOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, role, amount, err := stakeArgs(cmd, args)
			if err != nil {
				return err
			}
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			addr, err := s.Address(name)
			if err != nil {
				return err
			}
			res, err := s.Send(s.ctx, name, &types.MsgUnstake{Staker: addr.String(), Role: role, Amount: amount})
			if err != nil {
				return err
			}
			e := res.Responses[0].(*types.MsgUnstakeResponse).Entry
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"tx": res.Hash, "height": res.Height, "entry": unbondingView(e)})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Unbonding %s of %s's %s stake: entry %d completes at %s (%s).\nUntil then it can still be slashed for faults committed up to height %d.\n",
				gpu(e.Amount), name, role.ShortName(), e.Id, e.CompletionTime.Format(time.RFC3339), ago(e.CompletionTime, time.Now()), e.CreationHeight)
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
