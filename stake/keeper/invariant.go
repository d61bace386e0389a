package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gpunet/gpunet/stake/types"
)

// Totals is what the module account must hold, by purpose.
type Totals struct {
	Bonded, Unbonding, Escrow math.Int
}

// Sum is bonded + unbonding + escrow.
func (t Totals) Sum() math.Int { return t.Bonded.Add(t.Unbonding).Add(t.Escrow) }

// ComputeTotals adds up every stake, unbonding entry and escrow. It walks all
// of state, so it belongs in queries and invariant checks, never in a
// message handler.
func (k Keeper) ComputeTotals(ctx context.Context) (Totals, error) {
	t := Totals{Bonded: math.ZeroInt(), Unbonding: math.ZeroInt(), Escrow: math.ZeroInt()}
	err := k.Stakes.Walk(ctx, nil, func(_ collections.Pair[sdk.AccAddress, int32], v math.Int) (bool, error) {
		t.Bonded = t.Bonded.Add(v)
		return false, nil
	})
	if err != nil {
		return t, fmt.Errorf("walk stakes: %w", err)
	}
	err = k.Unbonding.Walk(ctx, nil, func(_ uint64, e types.UnbondingEntry) (bool, error) {
		t.Unbonding = t.Unbonding.Add(e.Amount)
		return false, nil
	})
	if err != nil {
		return t, fmt.Errorf("walk unbonding: %w", err)
	}
	err = k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		t.Escrow = t.Escrow.Add(j.Escrow)
		return false, nil
	})
	if err != nil {
		return t, fmt.Errorf("walk jobs: %w", err)
	}
	return t, nil
}

// ModuleBalance is what the module account holds of the native denom.
func (k Keeper) ModuleBalance(ctx context.Context) math.Int {
	return k.bank.GetBalance(ctx, moduleAddress, types.Denom).Amount
}

var moduleAddress = authtypes.NewModuleAddress(types.ModuleName)

// CheckInvariant returns ErrInvariantBroken unless the module account holds
// exactly bonded + unbonding + escrow.
func (k Keeper) CheckInvariant(ctx context.Context) error {
	t, err := k.ComputeTotals(ctx)
	if err != nil {
		return err
	}
	if bal := k.ModuleBalance(ctx); !bal.Equal(t.Sum()) {
		return errorsmod.Wrapf(types.ErrInvariantBroken, "module account holds %s%s but bonded %s + unbonding %s + escrow %s = %s",
			bal, types.Denom, t.Bonded, t.Unbonding, t.Escrow, t.Sum())
	}
	return nil
}
