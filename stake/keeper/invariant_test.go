package keeper_test

import (
	"fmt"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/stake/types"
)

// TestInvariantDetectsExtraTokens: tokens reaching the module account
// outside the keeper break bonded + unbonding + escrow = balance, and
// CheckInvariant says so. A bank MsgSend cannot do it (the module address is
// blocked), so the test sends with the bank keeper directly.
func TestInvariantDetectsExtraTokens(t *testing.T) {
	f := newFixture(t)
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	module := authtypes.NewModuleAddress(types.ModuleName)
	bob := f.acct["bob"]

	_, err := bankkeeper.NewMsgServerImpl(f.app.BankKeeper).Send(f.ctx, &banktypes.MsgSend{
		FromAddress: bob.bech, ToAddress: f.bech(module), Amount: types.Coins(ugpu(1).Amount),
	})
	if err == nil || !strings.Contains(err.Error(), "not allowed to receive funds") {
		t.Fatalf("bank MsgSend to the module account: %v, want it blocked", err)
	}
	f.requireInvariant()

	if err := f.app.BankKeeper.SendCoins(f.ctx, bob.addr, module, types.Coins(ugpu(1).Amount)); err != nil {
		t.Fatal(err)
	}
	err = f.k.CheckInvariant(f.ctx)
	requireErr(t, err, types.ErrInvariantBroken,
		"module account holds 5000001ugpu but bonded 5000000 + unbonding 0 + escrow 0 = 5000000")

	// With Options.CheckInvariants the app refuses to finish the block.
	var halted any
	func() {
		defer func() { halted = recover() }()
		_, err = f.app.FinalizeBlock(&abci.RequestFinalizeBlock{Height: f.ctx.BlockHeight(), Time: f.ctx.BlockTime()})
	}()
	if halted == nil && err == nil {
		t.Fatal("FinalizeBlock succeeded on a broken invariant")
	}
	if msg := fmt.Sprint(halted, err); !strings.Contains(msg, "module invariant broken") {
		t.Fatalf("FinalizeBlock failed with %q, want the invariant error", msg)
	}
}
