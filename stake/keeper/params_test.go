package keeper_test

import (
	"errors"
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gpunet/gpunet/stake/types"
)

const evParamsUpdated = "gpunet.stake.v1.EventParamsUpdated"

func govAuthority(f *fixture) string { return f.bech(authtypes.NewModuleAddress("gov")) }

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	gov := govAuthority(f)
	if f.k.Authority() != gov {
		t.Fatalf("keeper authority = %s, want the gov module address %s", f.k.Authority(), gov)
	}
	update := func(authority string, edit func(*types.Params)) func(sdk.Context) error {
		return func(ctx sdk.Context) error {
			p := types.DevnetParams()
			edit(&p)
			_, err := f.msg.UpdateParams(ctx, &types.MsgUpdateParams{Authority: authority, Params: p})
			return err
		}
	}
	keep := func(*types.Params) {}
	f.runFailCases(t, []failCase{
		{"wrong authority", update(f.acct["alice"].bech, keep),
			types.ErrUnauthorized, []string{"authority:", f.acct["alice"].bech + " may not change params", "only " + gov + " may"}},
		{"empty authority", update("", keep),
			types.ErrUnauthorized, []string{"authority:", "only " + gov + " may"}},
		{"unbonding period not above challenge window", update(gov, func(p *types.Params) { p.UnbondingPeriod = p.ChallengeWindow }),
			types.ErrInvalidParams, []string{"params.unbonding_period:", "must exceed challenge_window (30s <= 30s)"}},
		{"even committee", update(gov, func(p *types.Params) { p.CommitteeSize = 4 }),
			types.ErrInvalidParams, []string{"params.committee_size:", "must be odd so a majority always exists (got 4)"}},
		{"slash fraction above one", update(gov, func(p *types.Params) { p.SlashFractionFraud = math.LegacyNewDec(2) }),
			types.ErrInvalidParams, []string{"params.slash_fraction_fraud:", "between 0 and 1"}},
		{"negative min stake", update(gov, func(p *types.Params) { p.MinVerifierStake = math.NewInt(-1) }),
			types.ErrInvalidParams, []string{"params.min_verifier_stake:", "non-negative"}},
	})

	p := types.DevnetParams()
	p.UnbondingPeriod = 2 * time.Minute
	p.MinProviderStake = math.NewInt(2 * gpu)
	ctx := f.fresh()
	f.mustOK(f.msg.UpdateParams(ctx, &types.MsgUpdateParams{Authority: gov, Params: p}))
	requireEvents(t, ctx, evParamsUpdated)
	res, err := f.q.Params(f.ctx, &types.QueryParamsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.cdc.MustMarshalJSON(&res.Params), f.cdc.MustMarshalJSON(&p); string(got) != string(want) {
		t.Fatalf("params = %s, want %s", got, want)
	}
	// The new values take effect at once.
	if _, err := f.stake(f.ctx, "alice", types.ROLE_PROVIDER, gpu); !errors.Is(err, types.ErrBelowMinStake) {
		t.Fatalf("stake 1 GPU under a 2 GPU minimum: %v, want ErrBelowMinStake", err)
	}
	f.mustStake("alice", types.ROLE_PROVIDER, 3*gpu)
	e := f.mustUnstake("alice", types.ROLE_PROVIDER, 3*gpu)
	if want := f.ctx.BlockTime().Add(2 * time.Minute); !e.CompletionTime.Equal(want) {
		t.Fatalf("completion = %s, want %s under the new unbonding period", e.CompletionTime, want)
	}
	f.nextBlock(blockTime)
}
