package e2e

import (
	"sync/atomic"
	"testing"
	"time"

	gogoproto "github.com/cosmos/gogoproto/proto"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/keeper"
	"github.com/gpunet/gpunet/stake/types"
)

// slasher slashes inside consensus: the test posts an order, and the next
// block's AfterEndBlock carries it out. With no order pending the hook is
// one atomic load, and what it does depends only on the order and the block,
// so it is as deterministic as the block itself (there is one validator).
type slasher struct{ next atomic.Pointer[slashOrder] }

type slashOrder struct {
	k    keeper.Keeper
	req  keeper.SlashRequest
	done chan slashOutcome // buffered: the hook never blocks consensus
}

type slashOutcome struct {
	height int64
	res    keeper.SlashResult
	err    error
	// emitted counts the EventSlashed events in the block's event manager
	// right after the slash: what the block should report.
	emitted int
}

func (s *slasher) afterEndBlock(ctx sdk.Context) error {
	o := s.next.Swap(nil)
	if o == nil {
		return nil
	}
	// A failed slash must not leave half its writes behind, nor halt the
	// chain: run it in a cache and report the error to the test instead.
	cctx, write := ctx.CacheContext()
	res, err := o.k.Slash(cctx, o.req)
	if err == nil {
		write()
	}
	emitted := 0
	for _, ev := range ctx.EventManager().Events() {
		if ev.Type == gogoproto.MessageName(&types.EventSlashed{}) {
			emitted++
		}
	}
	o.done <- slashOutcome{height: ctx.BlockHeight(), res: res, err: err, emitted: emitted}
	return nil
}

// slash has the next block slash per req and waits until that block is
// committed.
func (s *slasher) slash(c *chain, req keeper.SlashRequest) slashOutcome {
	c.t.Helper()
	o := &slashOrder{k: c.Node.App.StakeKeeper, req: req, done: make(chan slashOutcome, 1)}
	if !s.next.CompareAndSwap(nil, o) {
		c.t.Fatal("a slash order is already pending")
	}
	select {
	case out := <-o.done:
		if out.err != nil {
			c.t.Fatalf("slash in block %d: %v", out.height, out.err)
		}
		c.waitHeight(out.height)
		return out
	case <-time.After(livenessTimeout):
		c.t.Fatal("no block carried out the slash order: the chain stopped producing blocks")
	}
	panic("unreachable")
}

// TestSlashUnbondingThroughConsensus slashes provider1 inside a block, for
// an infraction at height H, while it has bonded stake, an unbonding entry
// created at or after H (still slashable) and an older entry created before
// H (left before the fault, so untouchable). The first 50% slash is covered
// by the bonded stake alone; the second must reach into the newer entry.
func TestSlashUnbondingThroughConsensus(t *testing.T) {
	var s slasher
	opts := longUnbonding()
	opts.AfterEndBlock = s.afterEndBlock
	c := newChain(t, opts)
	p1 := c.Addr("provider1")
	stake := func(n int64) sdk.Msg {
		return &types.MsgStake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(n)}
	}
	unstake := func(n int64) sdk.Msg {
		return &types.MsgUnstake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(n)}
	}

	c.send("provider1", stake(10*gpu))
	c.requireInvariant("stake 10 GPU")
	oldRes := c.send("provider1", unstake(1*gpu))
	old := oldRes.Responses[0].(*types.MsgUnstakeResponse).Entry
	c.requireInvariant("unstake 1 GPU before the infraction")

	// The infraction height: after the old entry's block, and no later
	// than the block the next transaction lands in.
	infraction := c.height() + 1
	if old.CreationHeight >= infraction {
		t.Fatalf("old entry created at %d, not before the infraction height %d", old.CreationHeight, infraction)
	}
	newRes := c.send("provider1", unstake(4*gpu))
	newer := newRes.Responses[0].(*types.MsgUnstakeResponse).Entry
	if newer.CreationHeight < infraction {
		t.Fatalf("new entry created at %d, before the infraction height %d", newer.CreationHeight, infraction)
	}
	c.requireInvariant("unstake 4 GPU at or after the infraction")

	balance := c.balance("provider1")
	supply := c.supply()
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(math.NewInt(5 * gpu)) {
		t.Fatalf("bonded before slashing: %s, want %d", got, 5*gpu)
	}

	// Slash 1: 50% of slashable = 50% × (5 bonded + 4 unbonding) = 4.5 GPU,
	// all from bonded stake.
	req := keeper.SlashRequest{Address: c.accAddr("provider1"), Role: types.ROLE_PROVIDER,
		Fraction: math.LegacyNewDecWithPrec(5, 1), InfractionHeight: infraction, Reason: "e2e: proven fraud"}
	out := s.slash(c, req)
	checkSlash(t, out, 4_500_000, 0)
	checkSlashEvent(c, out)
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(math.NewInt(500_000)) {
		t.Fatalf("bonded after slash 1: %s, want 500000", got)
	}
	checkEntries(c, old, newer, newer.Amount)
	if got, want := c.supply(), supply.SubRaw(4_500_000); !got.Equal(want) {
		t.Fatalf("supply after slash 1: %s, want %s (4.5 GPU burned)", got, want)
	}
	tot := c.requireInvariant("slash 1")
	if !tot.Bonded.Equal(math.NewInt(500_000)) || !tot.Unbonding.Equal(old.Amount.Add(newer.Amount)) {
		t.Fatalf("Totals after slash 1: bonded %s unbonding %s", tot.Bonded, tot.Unbonding)
	}

	// Slash 2: 50% of (0.5 bonded + 4 unbonding) = 2.25 GPU: the last
	// 0.5 GPU bonded, then 1.75 GPU from the newer entry. The old entry
	// stays whole.
	out = s.slash(c, req)
	checkSlash(t, out, 500_000, 1_750_000)
	checkSlashEvent(c, out)
	st := c.stakeOf("provider1")
	if len(st.Stakes) != 0 {
		t.Fatalf("stakes after slash 2: %v, want none (all bonded stake taken)", st.Stakes)
	}
	checkEntries(c, old, newer, math.NewInt(2_250_000))
	if got, want := c.supply(), supply.SubRaw(4_500_000+2_250_000); !got.Equal(want) {
		t.Fatalf("supply after slash 2: %s, want %s (6.75 GPU burned in all)", got, want)
	}
	if got := c.balance("provider1"); !got.Equal(balance) {
		t.Fatalf("provider1's bank balance changed by slashing: %s, was %s", got, balance)
	}
	tot = c.requireInvariant("slash 2")
	if !tot.Bonded.IsZero() || !tot.Unbonding.Equal(old.Amount.Add(math.NewInt(2_250_000))) {
		t.Fatalf("Totals after slash 2: bonded %s unbonding %s, want 0 and %s", tot.Bonded, tot.Unbonding, old.Amount.AddRaw(2_250_000))
	}
}

func checkSlash(t *testing.T, out slashOutcome, fromBonded, fromUnbonding int64) {
	t.Helper()
	if !out.res.FromBonded.Equal(math.NewInt(fromBonded)) || !out.res.FromUnbonding.Equal(math.NewInt(fromUnbonding)) {
		t.Fatalf("slash in block %d took %s from bonded and %s from unbonding, want %d and %d",
			out.height, out.res.FromBonded, out.res.FromUnbonding, fromBonded, fromUnbonding)
	}
}

// checkSlashEvent looks for the slash's EventSlashed among its block's
// events. The dashboard and the daemons follow events (SPEC section 2), so a
// slash that emits none is invisible to them. It reports with Errorf so the
// ledger checks after it still run.
func checkSlashEvent(c *chain, out slashOutcome) {
	c.t.Helper()
	evs := findBlockEvents[*types.EventSlashed](c, out.height, out.height)
	if len(evs) != 1 {
		c.t.Errorf("block %d reports %d EventSlashed events, want 1; AfterEndBlock saw %d in the block's event manager: "+
			"stake/app/app.go endBlocker returns the events mm.EndBlock collected before it ran AfterEndBlock, "+
			"so every event emitted in AfterEndBlock is dropped", out.height, len(evs), out.emitted)
		return
	}
	ev := evs[0].msg.(*types.EventSlashed)
	if !ev.FromBonded.Equal(out.res.FromBonded) || !ev.FromUnbonding.Equal(out.res.FromUnbonding) {
		c.t.Errorf("EventSlashed %+v does not match the slash result %+v", ev, out.res)
	}
}

// checkEntries requires provider1's unbonding entries to be the old one,
// untouched, and the newer one holding newAmount.
func checkEntries(c *chain, old, newer types.UnbondingEntry, newAmount math.Int) {
	c.t.Helper()
	got := c.stakeOf("provider1").Unbonding
	want := newer
	want.Amount = newAmount
	if len(got) != 2 || !sameEntry(got[0], old) || !sameEntry(got[1], want) {
		c.t.Fatalf("unbonding entries %v, want the old entry untouched %v and the newer one %v", got, old, want)
	}
}
