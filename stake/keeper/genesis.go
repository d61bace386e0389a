package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// InitGenesis loads state. It checks what Validate cannot without a codec
// (addresses) and rejects a genesis that breaks the invariant's bookkeeping.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return fmt.Errorf("set params: %w", err)
	}
	for i, p := range gs.Providers {
		addr, err := k.decodeAddress(fmt.Sprintf("providers[%d].address", i), p.Address)
		if err != nil {
			return errorsmod.Wrap(types.ErrInvalidGenesis, err.Error())
		}
		if err := k.Providers.Set(ctx, addr, p); err != nil {
			return err
		}
		if err := k.ProvidersByPeerID.Set(ctx, p.PeerId, addr); err != nil {
			return err
		}
	}
	for i, s := range gs.Stakes {
		addr, err := k.decodeAddress(fmt.Sprintf("stakes[%d].address", i), s.Address)
		if err != nil {
			return errorsmod.Wrap(types.ErrInvalidGenesis, err.Error())
		}
		if err := k.Stakes.Set(ctx, stakeKey(addr, s.Role), s.Amount); err != nil {
			return err
		}
	}
	for i, e := range gs.Unbonding {
		addr, err := k.decodeAddress(fmt.Sprintf("unbonding[%d].address", i), e.Address)
		if err != nil {
			return errorsmod.Wrap(types.ErrInvalidGenesis, err.Error())
		}
		if err := k.putUnbonding(ctx, addr, e); err != nil {
			return err
		}
	}
	for i, j := range gs.Jobs {
		addr, err := k.decodeAddress(fmt.Sprintf("jobs[%d].client", i), j.Client)
		if err != nil {
			return errorsmod.Wrap(types.ErrInvalidGenesis, err.Error())
		}
		if err := k.putJob(ctx, addr, j); err != nil {
			return err
		}
	}
	for _, v := range gs.Validators {
		if err := k.Validators.Set(ctx, v.PubKey, v); err != nil {
			return err
		}
	}
	if err := k.NextUnbondingID.Set(ctx, gs.NextUnbondingId); err != nil {
		return err
	}
	if err := k.NextJobID.Set(ctx, gs.NextJobId); err != nil {
		return err
	}
	// Bank's genesis is loaded first, so the module account's balance is
	// known: a ledger whose tokens are not there must not start.
	t, err := k.ComputeTotals(ctx)
	if err != nil {
		return err
	}
	if bal := k.ModuleBalance(ctx); !bal.Equal(t.Sum()) {
		return errorsmod.Wrapf(types.ErrInvalidGenesis,
			"module account holds %s%s but bonded %s + unbonding %s + escrow %s = %s; set the gpunet module account's bank balance to exactly that",
			bal, types.Denom, t.Bonded, t.Unbonding, t.Escrow, t.Sum())
	}
	return nil
}

// ExportGenesis writes state out in key order, so export → import → export
// is byte-identical.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("read params: %w", err)
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		gs.Providers = append(gs.Providers, p)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Stakes.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, int32], v math.Int) (bool, error) {
		gs.Stakes = append(gs.Stakes, types.Stake{Address: k.encodeAddress(key.K1()), Role: types.Role(key.K2()), Amount: v})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Unbonding.Walk(ctx, nil, func(_ uint64, e types.UnbondingEntry) (bool, error) {
		gs.Unbonding = append(gs.Unbonding, e)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		gs.Jobs = append(gs.Jobs, j)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Validators.Walk(ctx, nil, func(_ []byte, v types.Validator) (bool, error) {
		gs.Validators = append(gs.Validators, v)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if gs.NextUnbondingId, err = k.NextUnbondingID.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.NextJobId, err = k.NextJobID.Peek(ctx); err != nil {
		return nil, err
	}
	return gs, nil
}
