package keeper_test

import (
	"testing"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/gpunet/gpunet/stake/types"
)

const (
	evStaked           = "gpunet.stake.v1.EventStaked"
	evUnbondingStarted = "gpunet.stake.v1.EventUnbondingStarted"
	evUnbondingMatured = "gpunet.stake.v1.EventUnbondingMatured"
	evSlashed          = "gpunet.stake.v1.EventSlashed"
)

func ugpu(n int64) sdk.Coin { return sdk.Coin{Denom: types.Denom, Amount: math.NewInt(n)} }

func (f *fixture) stake(ctx sdk.Context, who string, role types.Role, amount int64) (*types.MsgStakeResponse, error) {
	return f.msg.Stake(ctx, &types.MsgStake{Staker: f.acct[who].bech, Role: role, Amount: ugpu(amount)})
}

func (f *fixture) unstake(ctx sdk.Context, who string, role types.Role, amount int64) (*types.MsgUnstakeResponse, error) {
	return f.msg.Unstake(ctx, &types.MsgUnstake{Staker: f.acct[who].bech, Role: role, Amount: ugpu(amount)})
}

// mustStake stakes through the msg server and checks the invariant.
func (f *fixture) mustStake(who string, role types.Role, amount int64) {
	f.t.Helper()
	if _, err := f.stake(f.ctx, who, role, amount); err != nil {
		f.t.Fatalf("stake %d for %s: %v", amount, who, err)
	}
	f.requireInvariant()
}

func (f *fixture) mustUnstake(who string, role types.Role, amount int64) types.UnbondingEntry {
	f.t.Helper()
	res, err := f.unstake(f.ctx, who, role, amount)
	if err != nil {
		f.t.Fatalf("unstake %d for %s: %v", amount, who, err)
	}
	f.requireInvariant()
	return res.Entry
}

func TestStakeSuccess(t *testing.T) {
	f := newFixture(t)
	alice := f.acct["alice"]
	steps := []struct {
		name       string
		role       types.Role
		amount     int64
		wantBonded int64 // for role, after the step
		wantModule int64
	}{
		{"first provider stake", types.ROLE_PROVIDER, 5 * gpu, 5 * gpu, 5 * gpu},
		{"top up provider stake", types.ROLE_PROVIDER, 2 * gpu, 7 * gpu, 7 * gpu},
		{"verifier stake is separate", types.ROLE_VERIFIER, gpu, gpu, 8 * gpu},
		{"top up below the minimum is fine once above it", types.ROLE_VERIFIER, 1, gpu + 1, 8*gpu + 1},
	}
	spent := int64(0)
	for _, s := range steps {
		ctx := f.fresh()
		res, err := f.stake(ctx, "alice", s.role, s.amount)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		spent += s.amount
		if !res.Bonded.Equal(math.NewInt(s.wantBonded)) {
			t.Errorf("%s: response bonded = %s, want %d", s.name, res.Bonded, s.wantBonded)
		}
		if got := f.bonded(alice.addr, s.role); !got.Equal(math.NewInt(s.wantBonded)) {
			t.Errorf("%s: bonded = %s, want %d", s.name, got, s.wantBonded)
		}
		if got := f.balance(alice.addr); !got.Equal(math.NewInt(startBalance - spent)) {
			t.Errorf("%s: alice balance = %s, want %d", s.name, got, startBalance-spent)
		}
		if got := f.moduleBalance(); !got.Equal(math.NewInt(s.wantModule)) {
			t.Errorf("%s: module balance = %s, want %d", s.name, got, s.wantModule)
		}
		requireEvents(t, ctx, evStaked)
		if got := eventAttr(t, ctx.EventManager().Events(), evStaked, "bonded"); got != `"`+math.NewInt(s.wantBonded).String()+`"` {
			t.Errorf("%s: EventStaked.bonded = %s, want %d", s.name, got, s.wantBonded)
		}
		f.requireInvariant()
	}
	if got := f.bonded(alice.addr, types.ROLE_PROVIDER); !got.Equal(math.NewInt(7 * gpu)) {
		t.Errorf("provider stake changed by verifier stakes: %s", got)
	}
}

func TestUnstakeSuccess(t *testing.T) {
	f := newFixture(t)
	alice := f.acct["alice"]
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	params, err := f.k.Params.Get(f.ctx)
	if err != nil {
		t.Fatal(err)
	}

	ctx := f.fresh()
	res, err := f.unstake(ctx, "alice", types.ROLE_PROVIDER, 2*gpu)
	if err != nil {
		t.Fatal(err)
	}
	f.requireInvariant()
	want := types.UnbondingEntry{
		Id: 1, Address: alice.bech, Role: types.ROLE_PROVIDER, Amount: math.NewInt(2 * gpu),
		CreationHeight: f.ctx.BlockHeight(), CompletionTime: f.ctx.BlockTime().Add(params.UnbondingPeriod),
	}
	f.requireSameEntry(res.Entry, want)
	requireEvents(t, ctx, evUnbondingStarted)
	if got := f.bonded(alice.addr, types.ROLE_PROVIDER); !got.Equal(math.NewInt(3 * gpu)) {
		t.Errorf("bonded = %s, want 3 GPU", got)
	}
	// Unbonding tokens stay in the module account until they mature.
	if got := f.balance(alice.addr); !got.Equal(math.NewInt(startBalance - 5*gpu)) {
		t.Errorf("alice balance = %s, want %d", got, startBalance-5*gpu)
	}
	if got := f.moduleBalance(); !got.Equal(math.NewInt(5 * gpu)) {
		t.Errorf("module balance = %s, want 5 GPU", got)
	}

	// Unstaking everything that is left is allowed and removes the stake.
	res, err = f.unstake(f.ctx, "alice", types.ROLE_PROVIDER, 3*gpu)
	if err != nil {
		t.Fatal(err)
	}
	f.requireInvariant()
	if res.Entry.Id != 2 {
		t.Errorf("second entry id = %d, want 2", res.Entry.Id)
	}
	gs := f.exportGenesis()
	if len(gs.Stakes) != 0 {
		t.Errorf("stakes after unstaking all = %v, want none", gs.Stakes)
	}
	if len(gs.Unbonding) != 2 || gs.NextUnbondingId != 3 {
		t.Errorf("unbonding = %v next id %d, want 2 entries and next id 3", gs.Unbonding, gs.NextUnbondingId)
	}
}

// amountCases are the malformed amounts both Stake and Unstake refuse.
func amountCases(call func(ctx sdk.Context, c sdk.Coin) error) []failCase {
	return []failCase{
		{"zero amount", func(ctx sdk.Context) error { return call(ctx, ugpu(0)) },
			types.ErrInvalidAmount, []string{"amount:", "must be positive", "pass e.g. 5000000ugpu"}},
		{"negative amount", func(ctx sdk.Context) error { return call(ctx, ugpu(-5*gpu)) },
			types.ErrInvalidAmount, []string{"amount:", "must be positive (got -5000000)", "pass e.g."}},
		{"nil amount", func(ctx sdk.Context) error { return call(ctx, sdk.Coin{Denom: types.Denom}) },
			types.ErrInvalidAmount, []string{"amount:", "must be positive", "pass e.g."}},
		{"wrong denom", func(ctx sdk.Context) error { return call(ctx, sdk.Coin{Denom: "uatom", Amount: math.NewInt(gpu)}) },
			types.ErrInvalidAmount, []string{"amount:", `wrong denom "uatom"`, "only ugpu is accepted"}},
		{"missing denom", func(ctx sdk.Context) error { return call(ctx, sdk.Coin{Amount: math.NewInt(gpu)}) },
			types.ErrInvalidAmount, []string{"amount:", "missing denom", "write it as e.g. 5000000ugpu"}},
	}
}

func roleCases(call func(ctx sdk.Context, r types.Role) error) []failCase {
	return []failCase{
		{"role unspecified", func(ctx sdk.Context) error { return call(ctx, types.ROLE_UNSPECIFIED) },
			types.ErrInvalidRole, []string{"role:", "unknown role 0", "use provider or verifier"}},
		{"role 99", func(ctx sdk.Context) error { return call(ctx, types.Role(99)) },
			types.ErrInvalidRole, []string{"role:", "unknown role 99", "use provider or verifier"}},
	}
}

func TestStakeFailures(t *testing.T) {
	f := newFixture(t)
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	stake := func(who string, role types.Role, amount int64) func(sdk.Context) error {
		return func(ctx sdk.Context) error { _, err := f.stake(ctx, who, role, amount); return err }
	}
	cases := amountCases(func(ctx sdk.Context, c sdk.Coin) error {
		_, err := f.msg.Stake(ctx, &types.MsgStake{Staker: f.acct["bob"].bech, Role: types.ROLE_PROVIDER, Amount: c})
		return err
	})
	cases = append(cases, roleCases(func(ctx sdk.Context, r types.Role) error {
		_, err := f.msg.Stake(ctx, &types.MsgStake{Staker: f.acct["bob"].bech, Role: r, Amount: ugpu(5 * gpu)})
		return err
	})...)
	cases = append(cases, []failCase{
		{"below the provider minimum", stake("bob", types.ROLE_PROVIDER, gpu-1),
			types.ErrBelowMinStake, []string{"amount:", "at least 1000000ugpu", "would have 999999", "stake more"}},
		{"below the verifier minimum", stake("bob", types.ROLE_VERIFIER, 1),
			types.ErrBelowMinStake, []string{"amount:", "verifier must bond at least 1000000ugpu", "stake more"}},
		{"more than the balance", stake("bob", types.ROLE_PROVIDER, startBalance+1),
			types.ErrInsufficientFunds, []string{"amount:", "has 1000000000ugpu spendable, needs 1000000001ugpu", "fund the account or ask for less"}},
		{"poor account at the minimum", stake("poor", types.ROLE_VERIFIER, gpu),
			types.ErrInsufficientFunds, []string{"amount:", "has 500000ugpu spendable", "fund the account"}},
		{"bad bech32 staker", func(ctx sdk.Context) error {
			_, err := f.msg.Stake(ctx, &types.MsgStake{Staker: "gpunet1notanaddress", Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu)})
			return err
		}, types.ErrInvalidAddress, []string{"staker:", `"gpunet1notanaddress" is not a gpunet address`, "gpunet keys show NAME -a"}},
		{"other chain's prefix", func(ctx sdk.Context) error {
			_, err := f.msg.Stake(ctx, &types.MsgStake{Staker: cosmosAddress(t, f.acct["bob"].addr), Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu)})
			return err
		}, types.ErrInvalidAddress, []string{"staker:", "is not a gpunet address", "gpunet keys show NAME -a"}},
	}...)
	f.runFailCases(t, cases)
}

func TestUnstakeFailures(t *testing.T) {
	f := newFixture(t)
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	f.mustStake("alice", types.ROLE_VERIFIER, 2*gpu)
	unstake := func(who string, role types.Role, amount int64) func(sdk.Context) error {
		return func(ctx sdk.Context) error { _, err := f.unstake(ctx, who, role, amount); return err }
	}
	cases := amountCases(func(ctx sdk.Context, c sdk.Coin) error {
		_, err := f.msg.Unstake(ctx, &types.MsgUnstake{Staker: f.acct["alice"].bech, Role: types.ROLE_PROVIDER, Amount: c})
		return err
	})
	cases = append(cases, roleCases(func(ctx sdk.Context, r types.Role) error {
		_, err := f.msg.Unstake(ctx, &types.MsgUnstake{Staker: f.acct["alice"].bech, Role: r, Amount: ugpu(gpu)})
		return err
	})...)
	cases = append(cases, []failCase{
		{"more than bonded", unstake("alice", types.ROLE_PROVIDER, 5*gpu+1),
			types.ErrInsufficientStake, []string{"amount:", "5000001ugpu is more than the 5000000ugpu bonded as provider", "unstake at most that"}},
		{"nothing bonded for the role", unstake("bob", types.ROLE_VERIFIER, 1),
			types.ErrInsufficientStake, []string{"amount:", "more than the 0ugpu bonded as verifier", "unstake at most that"}},
		{"would leave less than the provider minimum", unstake("alice", types.ROLE_PROVIDER, 4*gpu+1),
			types.ErrBelowMinStake, []string{"amount:", "would leave 999999ugpu bonded", "unstake all 5000000ugpu or keep at least the minimum"}},
		{"would leave less than the verifier minimum", unstake("alice", types.ROLE_VERIFIER, gpu+1),
			types.ErrBelowMinStake, []string{"amount:", "below the verifier minimum of 1000000ugpu", "keep at least the minimum"}},
		{"bad bech32 staker", func(ctx sdk.Context) error {
			_, err := f.msg.Unstake(ctx, &types.MsgUnstake{Staker: f.acct["alice"].bech + "x", Role: types.ROLE_PROVIDER, Amount: ugpu(gpu)})
			return err
		}, types.ErrInvalidAddress, []string{"staker:", "is not a gpunet address", "gpunet keys show NAME -a"}},
	}...)
	f.runFailCases(t, cases)
}

// cosmosAddress is addr under another chain's prefix: valid bech32, wrong chain.
func cosmosAddress(t testing.TB, addr sdk.AccAddress) string {
	t.Helper()
	s, err := bech32.ConvertAndEncode("cosmos", addr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
