package e2e

import (
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/types"
)

func TestSmokeStake(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	ctx := n.Ctx()
	res, err := n.Client.Send(ctx, "provider1", &types.MsgStake{Staker: n.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, 5_000_000)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("height %d responses %v", res.Height, res.Responses)
}
