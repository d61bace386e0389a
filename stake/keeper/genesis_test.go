package keeper_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"cosmossdk.io/math"

	"github.com/gpunet/gpunet/stake/types"
)

// populate gives f some of everything: providers, stakes, unbonding
// entries, a pending and a cancelled job. It returns alice's entry.
func populate(f *fixture) types.UnbondingEntry {
	f.t.Helper()
	for _, who := range []string{"alice", "bob"} {
		f.mustOK(f.msg.RegisterProvider(f.ctx, registerMsg(f.acct[who].bech, peerID(who[:1]))))
	}
	f.mustStake("alice", types.ROLE_PROVIDER, 10*gpu)
	f.mustStake("bob", types.ROLE_VERIFIER, 5*gpu)
	e := f.mustUnstake("alice", types.ROLE_PROVIDER, 2*gpu)
	f.mustUnstake("bob", types.ROLE_VERIFIER, 5*gpu)
	f.mustCreateJob("carol")
	cancelled := f.mustCreateJob("carol")
	f.mustOK(f.msg.CancelJob(f.ctx, &types.MsgCancelJob{Client: f.acct["carol"].bech, JobId: cancelled}))
	f.nextBlock(blockTime)
	return e
}

func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	entry := populate(f)
	want := string(f.cdc.MustMarshalJSON(f.exportGenesis()))

	exported, err := f.app.ExportAppState(false)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(exported.AppState, &state); err != nil {
		t.Fatal(err)
	}
	// ExportAppState indents the whole document; compact it back.
	var compact bytes.Buffer
	if err := json.Compact(&compact, state[types.ModuleName]); err != nil {
		t.Fatal(err)
	}
	if got := compact.String(); got != want {
		t.Fatalf("app export of gpunet = %s\nkeeper export         = %s", got, want)
	}

	g := newFixtureWithState(t, state, exported.Height+1, f.ctx.BlockTime())
	if got := string(g.cdc.MustMarshalJSON(g.exportGenesis())); got != want {
		t.Fatalf("export after import = %s\nwant                 %s", got, want)
	}
	for _, a := range f.accounts {
		if got, w := g.balance(a.addr), f.balance(a.addr); !got.Equal(w) {
			t.Errorf("%s balance after import = %s, want %s", a.name, got, w)
		}
	}
	if got, w := g.moduleBalance(), f.moduleBalance(); !got.Equal(w) {
		t.Errorf("module balance after import = %s, want %s", got, w)
	}

	// The imported chain carries on: its indexes and counters were rebuilt.
	_, err = g.msg.RegisterProvider(g.ctx, registerMsg(g.acct["carol"].bech, peerID("a")))
	requireErr(t, err, types.ErrPeerIDTaken, "peer_id:")
	requireIDs(t, "carol's jobs", g.jobIDs(&types.QueryJobsRequest{Client: g.acct["carol"].bech}), 1, 2)
	requireIDs(t, "pending jobs", g.jobIDs(&types.QueryJobsRequest{Status: types.JOB_STATUS_PENDING}), 1)
	if id := g.mustCreateJob("bob"); id != 3 {
		t.Errorf("next job id after import = %d, want 3", id)
	}
	if e := g.mustUnstake("alice", types.ROLE_PROVIDER, gpu); e.Id != 3 {
		t.Errorf("next unbonding id after import = %d, want 3", e.Id)
	}
	before := g.balance(g.acct["alice"].addr)
	g.nextBlock(entry.CompletionTime.Sub(g.ctx.BlockTime()))
	g.nextBlock(blockTime)
	if got, w := g.balance(g.acct["alice"].addr), before.Add(math.NewInt(2*gpu)); !got.Equal(w) {
		t.Errorf("alice balance after imported entry matured = %s, want %s", got, w)
	}
}

// genesisFixture is a small valid gpunet genesis whose holdings add up to
// backed: 5 GPU bonded, 1 GPU unbonding, the job's deposit in escrow.
func genesisFixture(t testing.TB, f *fixture) (gs *types.GenesisState, backed math.Int) {
	t.Helper()
	alice, carol := f.acct["alice"].bech, f.acct["carol"].bech
	gs = types.DefaultGenesis()
	gs.Params = types.DevnetParams()
	gs.Providers = []types.Provider{{Address: alice, PeerId: peerID("A"), Gpus: h100s(1), PricePerGpuHour: math.NewInt(gpu), FreeGpus: 1, Status: types.PROVIDER_STATUS_ACTIVE}}
	gs.Stakes = []types.Stake{{Address: alice, Role: types.ROLE_PROVIDER, Amount: math.NewInt(5 * gpu)}}
	gs.Unbonding = []types.UnbondingEntry{{Id: 1, Address: alice, Role: types.ROLE_PROVIDER, Amount: math.NewInt(gpu), CompletionTime: genesisTime.Add(time.Minute)}}
	gs.Jobs = []types.Job{{Id: 1, Client: carol, Spec: validSpec(t), Escrow: math.NewInt(validDeposit), Status: types.JOB_STATUS_PENDING}}
	gs.NextUnbondingId, gs.NextJobId = 2, 2
	gs.Validators = []types.Validator{testValidator()}
	return gs, math.NewInt(6*gpu + validDeposit)
}

func TestInitGenesisRejectsBadAddresses(t *testing.T) {
	f := newFixture(t)
	bad := cosmosAddress(t, f.acct["alice"].addr)
	cases := []struct {
		name  string
		edit  func(*types.GenesisState)
		field string
	}{
		{"provider", func(gs *types.GenesisState) { gs.Providers[0].Address = bad }, "providers[0].address:"},
		{"stake", func(gs *types.GenesisState) { gs.Stakes[0].Address = bad }, "stakes[0].address:"},
		{"unbonding", func(gs *types.GenesisState) { gs.Unbonding[0].Address = "" }, "unbonding[0].address:"},
		{"job", func(gs *types.GenesisState) { gs.Jobs[0].Client = "gpunet1bad" }, "jobs[0].client:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gs, _ := genesisFixture(t, f)
			tc.edit(gs)
			ctx, _ := f.ctx.CacheContext()
			requireErr(t, f.k.InitGenesis(ctx, gs), types.ErrInvalidGenesis, tc.field)
		})
	}
	t.Run("validate runs first", func(t *testing.T) {
		gs, _ := genesisFixture(t, f)
		gs.Stakes = append(gs.Stakes, gs.Stakes[0])
		ctx, _ := f.ctx.CacheContext()
		requireErr(t, f.k.InitGenesis(ctx, gs), types.ErrInvalidGenesis, "stakes[1]:", "has two provider stakes")
	})
	t.Run("the fixture itself loads", func(t *testing.T) {
		gs, backed := genesisFixture(t, f)
		ctx, _ := f.ctx.CacheContext()
		// Back the ledger: the module account must hold what it records.
		if err := f.app.BankKeeper.SendCoinsFromAccountToModule(ctx, f.acct["alice"].addr, types.ModuleName, types.Coins(backed)); err != nil {
			t.Fatal(err)
		}
		if err := f.k.InitGenesis(ctx, gs); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInitGenesisRejectsUnbackedStake: InitGenesis promises to reject "a
// genesis that breaks the invariant's bookkeeping", and bank's genesis is
// loaded first, so a gpunet genesis claiming stake, unbonding and escrow the
// module account does not hold must be refused (as x/staking refuses a
// bonded pool that does not match its validators). Otherwise the chain
// starts broken and halts at its first block under CheckInvariants, or
// fails to pay out the first unbonding entry without it.
func TestInitGenesisRejectsUnbackedStake(t *testing.T) {
	f := newFixture(t)
	gs, backed := genesisFixture(t, f)
	ctx, _ := f.ctx.CacheContext()
	if bal := f.app.StakeKeeper.ModuleBalance(ctx); !bal.IsZero() {
		t.Fatalf("module account holds %s before genesis, want 0", bal)
	}
	err := f.k.InitGenesis(ctx, gs)
	if !errors.Is(err, types.ErrInvalidGenesis) && !errors.Is(err, types.ErrInvariantBroken) {
		t.Fatalf("InitGenesis accepted stakes, unbonding and escrow totalling %s%s while the module account holds 0%s (err = %v); "+
			"it must compare ComputeTotals with the module balance and fail with ErrInvalidGenesis", backed, types.Denom, types.Denom, err)
	}
}
