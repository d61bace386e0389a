package types

import (
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// newCoin is an amount of the native denom. It does not panic on negative
// amounts, so validation can report them.
func newCoin(amount math.Int) sdk.Coin { return sdk.Coin{Denom: Denom, Amount: amount} }

// Coins is amount of the native denom as sdk.Coins, for bank calls.
func Coins(amount math.Int) sdk.Coins { return sdk.NewCoins(sdk.NewCoin(Denom, amount)) }
