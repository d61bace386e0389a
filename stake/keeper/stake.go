package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

func stakeKey(addr sdk.AccAddress, role types.Role) collections.Pair[sdk.AccAddress, int32] {
	return collections.Join(addr, int32(role))
}

// checkStakeArgs is the one place role and amount are checked for every
// caller, message or not.
func checkStakeArgs(role types.Role, amount sdk.Coin) error {
	if err := types.ValidateRole(role); err != nil {
		return err
	}
	return types.ValidateAmount("amount", amount)
}

// Bonded returns the stake addr has bonded for role (zero when none).
func (k Keeper) Bonded(ctx context.Context, addr sdk.AccAddress, role types.Role) (math.Int, error) {
	v, err := k.Stakes.Get(ctx, stakeKey(addr, role))
	if errors.Is(err, collections.ErrNotFound) {
		return math.ZeroInt(), nil
	}
	return v, err
}

func (k Keeper) setBonded(ctx context.Context, addr sdk.AccAddress, role types.Role, v math.Int) error {
	if v.IsZero() {
		return k.Stakes.Remove(ctx, stakeKey(addr, role))
	}
	return k.Stakes.Set(ctx, stakeKey(addr, role), v)
}

// Stake moves amount from addr's balance into bonded stake for role and
// returns the new bonded total.
func (k Keeper) Stake(ctx context.Context, addr sdk.AccAddress, role types.Role, amount sdk.Coin) (math.Int, error) {
	if err := checkStakeArgs(role, amount); err != nil {
		return math.Int{}, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.Int{}, fmt.Errorf("read params: %w", err)
	}
	bonded, err := k.Bonded(ctx, addr, role)
	if err != nil {
		return math.Int{}, fmt.Errorf("read stake: %w", err)
	}
	total := bonded.Add(amount.Amount)
	if min := params.MinStake(role); total.LT(min) {
		return math.Int{}, errorsmod.Wrapf(types.ErrBelowMinStake, "amount: a %s must bond at least %s%s in total (would have %s); stake more", role.ShortName(), min, types.Denom, total)
	}
	if err := k.lockFunds(ctx, addr, amount.Amount, "amount"); err != nil {
		return math.Int{}, err
	}
	if err := k.setBonded(ctx, addr, role, total); err != nil {
		return math.Int{}, fmt.Errorf("store stake: %w", err)
	}
	return total, k.emit(ctx, &types.EventStaked{Address: k.encodeAddress(addr), Role: role, Amount: amount.Amount, Bonded: total})
}

// lockFunds moves amount from addr into the module account, with an error
// that says how much is missing instead of bank's generic one.
func (k Keeper) lockFunds(ctx context.Context, addr sdk.AccAddress, amount math.Int, field string) error {
	spendable := k.bank.SpendableCoins(ctx, addr).AmountOf(types.Denom)
	if spendable.LT(amount) {
		return errorsmod.Wrapf(types.ErrInsufficientFunds, "%s: %s has %s%s spendable, needs %s%s; fund the account or ask for less", field, k.encodeAddress(addr), spendable, types.Denom, amount, types.Denom)
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, addr, types.ModuleName, types.Coins(amount)); err != nil {
		return fmt.Errorf("lock %s%s from %s: %w", amount, types.Denom, k.encodeAddress(addr), err)
	}
	return nil
}

// Unstake starts unbonding amount of addr's stake for role. What remains
// bonded must be zero or at least the role's minimum.
func (k Keeper) Unstake(ctx context.Context, addr sdk.AccAddress, role types.Role, amount sdk.Coin) (types.UnbondingEntry, error) {
	if err := checkStakeArgs(role, amount); err != nil {
		return types.UnbondingEntry{}, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return types.UnbondingEntry{}, fmt.Errorf("read params: %w", err)
	}
	bonded, err := k.Bonded(ctx, addr, role)
	if err != nil {
		return types.UnbondingEntry{}, fmt.Errorf("read stake: %w", err)
	}
	if amount.Amount.GT(bonded) {
		return types.UnbondingEntry{}, errorsmod.Wrapf(types.ErrInsufficientStake, "amount: %s%s is more than the %s%s bonded as %s; unstake at most that", amount.Amount, types.Denom, bonded, types.Denom, role.ShortName())
	}
	left := bonded.Sub(amount.Amount)
	if min := params.MinStake(role); left.IsPositive() && left.LT(min) {
		return types.UnbondingEntry{}, errorsmod.Wrapf(types.ErrBelowMinStake, "amount: would leave %s%s bonded, below the %s minimum of %s%s; unstake all %s%s or keep at least the minimum", left, types.Denom, role.ShortName(), min, types.Denom, bonded, types.Denom)
	}
	if err := k.setBonded(ctx, addr, role, left); err != nil {
		return types.UnbondingEntry{}, fmt.Errorf("store stake: %w", err)
	}
	id, err := k.NextUnbondingID.Next(ctx)
	if err != nil {
		return types.UnbondingEntry{}, fmt.Errorf("next unbonding id: %w", err)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	entry := types.UnbondingEntry{
		Id:             id,
		Address:        k.encodeAddress(addr),
		Role:           role,
		Amount:         amount.Amount,
		CreationHeight: sdkCtx.BlockHeight(),
		CompletionTime: sdkCtx.BlockTime().Add(params.UnbondingPeriod).UTC(),
	}
	if err := k.putUnbonding(ctx, addr, entry); err != nil {
		return types.UnbondingEntry{}, err
	}
	return entry, k.emit(ctx, &types.EventUnbondingStarted{EntryId: id, Address: entry.Address, Role: role, Amount: amount.Amount, CompletionTime: entry.CompletionTime})
}

func (k Keeper) putUnbonding(ctx context.Context, addr sdk.AccAddress, e types.UnbondingEntry) error {
	if err := k.Unbonding.Set(ctx, e.Id, e); err != nil {
		return fmt.Errorf("store unbonding entry %d: %w", e.Id, err)
	}
	if err := k.UnbondingByAddress.Set(ctx, collections.Join(addr, e.Id)); err != nil {
		return fmt.Errorf("index unbonding entry %d: %w", e.Id, err)
	}
	if err := k.UnbondingByTime.Set(ctx, collections.Join(e.CompletionTime.UnixNano(), e.Id)); err != nil {
		return fmt.Errorf("index unbonding entry %d: %w", e.Id, err)
	}
	return nil
}

func (k Keeper) removeUnbonding(ctx context.Context, addr sdk.AccAddress, e types.UnbondingEntry) error {
	if err := k.Unbonding.Remove(ctx, e.Id); err != nil {
		return fmt.Errorf("remove unbonding entry %d: %w", e.Id, err)
	}
	if err := k.UnbondingByAddress.Remove(ctx, collections.Join(addr, e.Id)); err != nil {
		return fmt.Errorf("unindex unbonding entry %d: %w", e.Id, err)
	}
	if err := k.UnbondingByTime.Remove(ctx, collections.Join(e.CompletionTime.UnixNano(), e.Id)); err != nil {
		return fmt.Errorf("unindex unbonding entry %d: %w", e.Id, err)
	}
	return nil
}

// UnbondingOf lists addr's unbonding entries, oldest first.
func (k Keeper) UnbondingOf(ctx context.Context, addr sdk.AccAddress) ([]types.UnbondingEntry, error) {
	var out []types.UnbondingEntry
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint64](addr)
	err := k.UnbondingByAddress.Walk(ctx, rng, func(key collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		e, err := k.Unbonding.Get(ctx, key.K2())
		if err != nil {
			return true, fmt.Errorf("read unbonding entry %d: %w", key.K2(), err)
		}
		out = append(out, e)
		return false, nil
	})
	return out, err
}

// MatureUnbonding pays out every entry whose completion time is at or
// before the block time. It walks only the due part of the time index, so
// its cost does not grow with the number of entries still waiting.
func (k Keeper) MatureUnbonding(ctx context.Context) error {
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	rng := new(collections.Range[collections.Pair[int64, uint64]]).
		EndExclusive(collections.Join(now.UnixNano()+1, uint64(0)))
	var due []uint64
	err := k.UnbondingByTime.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key.K2())
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("walk due unbonding entries: %w", err)
	}
	for _, id := range due {
		e, err := k.Unbonding.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("read unbonding entry %d: %w", id, err)
		}
		addr, err := k.decodeAddress("address", e.Address)
		if err != nil {
			return err
		}
		if err := k.removeUnbonding(ctx, addr, e); err != nil {
			return err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, addr, types.Coins(e.Amount)); err != nil {
			return fmt.Errorf("pay out unbonding entry %d: %w", id, err)
		}
		if err := k.emit(ctx, &types.EventUnbondingMatured{EntryId: id, Address: e.Address, Role: e.Role, Amount: e.Amount}); err != nil {
			return err
		}
	}
	return nil
}
