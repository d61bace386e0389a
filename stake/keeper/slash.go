package keeper

import (
	"context"
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// SlashRequest says whom to slash, how hard and for what.
type SlashRequest struct {
	Address sdk.AccAddress
	Role    types.Role
	// Fraction of the slashable stake to take.
	Fraction math.LegacyDec
	// Min is the least to take (capped by what is slashable): cheating must
	// cost more than it could gain, whatever the stake.
	Min math.Int
	// InfractionHeight is when the fault was committed. Unbonding entries
	// created at or after it are still slashable; older ones left before the
	// fault and are not.
	InfractionHeight int64
	Reason           string
}

// SlashResult says how much was taken from where.
type SlashResult struct {
	FromBonded    math.Int
	FromUnbonding math.Int
}

// Total is everything taken.
func (r SlashResult) Total() math.Int { return r.FromBonded.Add(r.FromUnbonding) }

// Slash takes max(Fraction × slashable, Min), capped at slashable, where
// slashable is the bonded stake plus the unbonding entries created at or
// after the infraction. It takes from bonded stake first, then from entries
// in id order, and burns what it takes.
func (k Keeper) Slash(ctx context.Context, req SlashRequest) (SlashResult, error) {
	res := SlashResult{FromBonded: math.ZeroInt(), FromUnbonding: math.ZeroInt()}
	if err := types.ValidateRole(req.Role); err != nil {
		return res, err
	}
	if req.Fraction.IsNil() || req.Fraction.IsNegative() || req.Fraction.GT(math.LegacyOneDec()) {
		return res, errorsmod.Wrap(types.ErrInvalidParams, "fraction: must be between 0 and 1")
	}
	if req.Min.IsNil() {
		req.Min = math.ZeroInt()
	}
	bonded, err := k.Bonded(ctx, req.Address, req.Role)
	if err != nil {
		return res, fmt.Errorf("read stake: %w", err)
	}
	entries, err := k.UnbondingOf(ctx, req.Address)
	if err != nil {
		return res, err
	}
	var slashable []types.UnbondingEntry
	total := bonded
	for _, e := range entries {
		if e.Role == req.Role && e.CreationHeight >= req.InfractionHeight {
			slashable = append(slashable, e)
			total = total.Add(e.Amount)
		}
	}
	want := math.MaxInt(req.Fraction.MulInt(total).TruncateInt(), req.Min)
	want = math.MinInt(want, total)
	if want.IsZero() {
		return res, nil
	}

	res.FromBonded = math.MinInt(bonded, want)
	if err := k.setBonded(ctx, req.Address, req.Role, bonded.Sub(res.FromBonded)); err != nil {
		return res, fmt.Errorf("store stake: %w", err)
	}
	left := want.Sub(res.FromBonded)
	for _, e := range slashable {
		if left.IsZero() {
			break
		}
		take := math.MinInt(e.Amount, left)
		left = left.Sub(take)
		res.FromUnbonding = res.FromUnbonding.Add(take)
		if take.Equal(e.Amount) {
			err = k.removeUnbonding(ctx, req.Address, e)
		} else {
			e.Amount = e.Amount.Sub(take)
			err = k.Unbonding.Set(ctx, e.Id, e)
		}
		if err != nil {
			return res, fmt.Errorf("slash unbonding entry %d: %w", e.Id, err)
		}
	}
	if err := k.bank.BurnCoins(ctx, types.ModuleName, types.Coins(res.Total())); err != nil {
		return res, fmt.Errorf("burn slashed %s%s: %w", res.Total(), types.Denom, err)
	}
	return res, k.emit(ctx, &types.EventSlashed{
		Address: k.encodeAddress(req.Address), Role: req.Role,
		FromBonded: res.FromBonded, FromUnbonding: res.FromUnbonding,
		InfractionHeight: req.InfractionHeight, Reason: req.Reason,
	})
}
