package keeper_test

import (
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/keeper"
	"github.com/gpunet/gpunet/stake/types"
)

// slashScene is alice as a provider with 11 GPU bonded and three provider
// unbonding entries created at heights 2, 3 and 4, plus entries that a
// provider slash must never touch: alice's verifier entry and carol's.
type slashScene struct {
	f                 *fixture
	eA, eB, eC        types.UnbondingEntry // provider, heights 2, 3, 4: 4, 3 and 2 GPU
	verifierE, carolE types.UnbondingEntry
	heightB           int64
}

func newSlashScene(t *testing.T) *slashScene {
	f := newFixture(t)
	s := &slashScene{f: f}
	f.mustStake("alice", types.ROLE_PROVIDER, 20*gpu)
	f.mustStake("alice", types.ROLE_VERIFIER, 5*gpu)
	f.mustStake("carol", types.ROLE_PROVIDER, 5*gpu)
	s.eA = f.mustUnstake("alice", types.ROLE_PROVIDER, 4*gpu)
	f.nextBlock(blockTime)
	s.heightB = f.ctx.BlockHeight()
	s.eB = f.mustUnstake("alice", types.ROLE_PROVIDER, 3*gpu)
	s.verifierE = f.mustUnstake("alice", types.ROLE_VERIFIER, gpu)
	s.carolE = f.mustUnstake("carol", types.ROLE_PROVIDER, gpu)
	f.nextBlock(blockTime)
	s.eC = f.mustUnstake("alice", types.ROLE_PROVIDER, 2*gpu)
	if s.eA.CreationHeight != s.heightB-1 || s.eC.CreationHeight != s.heightB+1 {
		t.Fatalf("entries created at heights %d, %d, %d; want consecutive", s.eA.CreationHeight, s.eB.CreationHeight, s.eC.CreationHeight)
	}
	return s
}

// amountOf is the entry's stored amount, or -1 when it is gone.
func (f *fixture) amountOf(e types.UnbondingEntry) int64 {
	f.t.Helper()
	got, err := f.k.Unbonding.Get(f.ctx, e.Id)
	if err != nil {
		return -1
	}
	return got.Amount.Int64()
}

func TestSlash(t *testing.T) {
	cases := []struct {
		name       string
		fraction   math.LegacyDec
		min        math.Int
		infraction int64 // relative to eB's height
		// want is what is taken from bonded and from unbonding, and what
		// each of eA, eB, eC holds after (-1: removed).
		fromBonded, fromUnbonding int64
		a, b, c                   int64
	}{
		{"fraction of bonded and later entries, all from bonded", math.LegacyNewDecWithPrec(5, 1), math.ZeroInt(), 0,
			8 * gpu, 0, 4 * gpu, 3 * gpu, 2 * gpu},
		{"whole fraction takes later entries but not older ones", math.LegacyOneDec(), math.ZeroInt(), 0,
			11 * gpu, 5 * gpu, 4 * gpu, -1, -1},
		{"min above fraction takes entries in id order, partially", math.LegacyNewDecWithPrec(1, 1), math.NewInt(13 * gpu), 0,
			11 * gpu, 2 * gpu, 4 * gpu, 1 * gpu, 2 * gpu},
		{"min is capped at what is slashable", math.LegacyZeroDec(), math.NewInt(1000 * gpu), 0,
			11 * gpu, 5 * gpu, 4 * gpu, -1, -1},
		{"infraction before every entry makes all slashable", math.LegacyOneDec(), math.ZeroInt(), -1,
			11 * gpu, 9 * gpu, -1, -1, -1},
		{"infraction after every entry leaves them", math.LegacyOneDec(), math.ZeroInt(), 2,
			11 * gpu, 0, 4 * gpu, 3 * gpu, 2 * gpu},
		{"fraction truncates to whole ugpu", math.LegacyMustNewDecFromStr("0.333333333333333333"), math.ZeroInt(), 0,
			5_333_333, 0, 4 * gpu, 3 * gpu, 2 * gpu},
		{"zero fraction and min take nothing", math.LegacyZeroDec(), math.ZeroInt(), 0,
			0, 0, 4 * gpu, 3 * gpu, 2 * gpu},
		{"nil min counts as zero", math.LegacyNewDecWithPrec(25, 2), math.Int{}, 0,
			4 * gpu, 0, 4 * gpu, 3 * gpu, 2 * gpu},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSlashScene(t)
			f := s.f
			alice := f.acct["alice"]
			supply, module, aliceBal := f.supply(), f.moduleBalance(), f.balance(alice.addr)
			ctx := f.fresh()
			res, err := f.k.Slash(ctx, keeper.SlashRequest{
				Address: alice.addr, Role: types.ROLE_PROVIDER, Fraction: tc.fraction, Min: tc.min,
				InfractionHeight: s.heightB + tc.infraction, Reason: "test fraud",
			})
			if err != nil {
				t.Fatal(err)
			}
			if !res.FromBonded.Equal(math.NewInt(tc.fromBonded)) || !res.FromUnbonding.Equal(math.NewInt(tc.fromUnbonding)) {
				t.Fatalf("took %s bonded + %s unbonding, want %d + %d", res.FromBonded, res.FromUnbonding, tc.fromBonded, tc.fromUnbonding)
			}
			total := math.NewInt(tc.fromBonded + tc.fromUnbonding)
			if !res.Total().Equal(total) {
				t.Errorf("Total() = %s, want %s", res.Total(), total)
			}
			if got, want := f.bonded(alice.addr, types.ROLE_PROVIDER), math.NewInt(11*gpu-tc.fromBonded); !got.Equal(want) {
				t.Errorf("bonded = %s, want %s", got, want)
			}
			for _, e := range []struct {
				name string
				e    types.UnbondingEntry
				want int64
			}{{"eA", s.eA, tc.a}, {"eB", s.eB, tc.b}, {"eC", s.eC, tc.c}, {"verifier entry", s.verifierE, gpu}, {"carol's entry", s.carolE, gpu}} {
				if got := f.amountOf(e.e); got != e.want {
					t.Errorf("%s holds %d, want %d", e.name, got, e.want)
				}
				f.requireEntry(e.e, e.want >= 0)
			}
			// Burned: supply and the module account drop by the total; the
			// owner's spendable balance does not move.
			if got := f.supply(); !got.Equal(supply.Sub(total)) {
				t.Errorf("supply = %s, want %s", got, supply.Sub(total))
			}
			if got := f.moduleBalance(); !got.Equal(module.Sub(total)) {
				t.Errorf("module balance = %s, want %s", got, module.Sub(total))
			}
			if got := f.balance(alice.addr); !got.Equal(aliceBal) {
				t.Errorf("alice balance = %s, want %s", got, aliceBal)
			}
			if total.IsZero() {
				requireEvents(t, ctx)
			} else {
				requireEvents(t, ctx, evSlashed)
			}
			f.requireInvariant()
			f.nextBlock(blockTime) // the chain's own invariant check runs too
		})
	}
}

// TestSlashedEntriesPayTheRest: a partly slashed entry pays what is left
// when it matures, and untouched entries pay in full.
func TestSlashedEntriesPayTheRest(t *testing.T) {
	s := newSlashScene(t)
	f := s.f
	alice := f.acct["alice"]
	f.mustOK(f.k.Slash(f.ctx, keeper.SlashRequest{
		Address: alice.addr, Role: types.ROLE_PROVIDER, Fraction: math.LegacyZeroDec(), Min: math.NewInt(13 * gpu), InfractionHeight: s.heightB,
	}))
	before := f.balance(alice.addr)
	f.nextBlock(time.Hour)
	f.nextBlock(blockTime)
	// eA 4 + eB 1 (3 less 2 slashed) + eC 2 + the verifier entry 1.
	if got, want := f.balance(alice.addr), before.Add(math.NewInt(8*gpu)); !got.Equal(want) {
		t.Fatalf("alice balance after maturity = %s, want %s", got, want)
	}
	// What is left is alice's and carol's bonded 4 GPU each.
	if got := f.moduleBalance(); !got.Equal(math.NewInt(8 * gpu)) {
		t.Fatalf("module balance = %s, want 8 GPU still bonded", got)
	}
}

func TestSlashFailures(t *testing.T) {
	s := newSlashScene(t)
	f := s.f
	slash := func(role types.Role, fraction math.LegacyDec) func(sdk.Context) error {
		return func(ctx sdk.Context) error {
			_, err := f.k.Slash(ctx, keeper.SlashRequest{Address: f.acct["alice"].addr, Role: role, Fraction: fraction, Min: math.NewInt(gpu)})
			return err
		}
	}
	f.runFailCases(t, []failCase{
		{"unknown role", slash(types.ROLE_UNSPECIFIED, math.LegacyOneDec()),
			types.ErrInvalidRole, []string{"role:", "use provider or verifier"}},
		{"fraction above one", slash(types.ROLE_PROVIDER, math.LegacyNewDecWithPrec(15, 1)),
			types.ErrInvalidParams, []string{"fraction:", "must be between 0 and 1"}},
		{"negative fraction", slash(types.ROLE_PROVIDER, math.LegacyNewDec(-1)),
			types.ErrInvalidParams, []string{"fraction:", "must be between 0 and 1"}},
		{"nil fraction", slash(types.ROLE_PROVIDER, math.LegacyDec{}),
			types.ErrInvalidParams, []string{"fraction:", "must be between 0 and 1"}},
	})
}
