package keeper_test

import (
	"fmt"
	"testing"
	"time"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// queueFixture commits queue unbonding entries, of which due complete
// exactly at the returned context's block time and the rest 30 s later.
// The context is the next block's, not yet finalized.
func queueFixture(tb testing.TB, queue, due int) *fixture {
	tb.Helper()
	f := newFixture(tb)
	if queue == 0 {
		return f
	}
	// 1 ugpu per entry on top of a stake that stays above the minimum.
	f.mustStake("alice", types.ROLE_VERIFIER, 2*gpu+int64(queue))
	params, err := f.k.Params.Get(f.ctx)
	if err != nil {
		tb.Fatal(err)
	}
	unstake := func(n int) {
		for range n {
			if _, err := f.k.Unstake(f.ctx, f.acct["alice"].addr, types.ROLE_VERIFIER, ugpu(1)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	start := f.ctx.BlockTime()
	unstake(due)
	f.nextBlock(30 * time.Second)
	unstake(queue - due)
	f.nextBlock(start.Add(params.UnbondingPeriod).Sub(f.ctx.BlockTime()))
	if n := f.countEntries(); n != queue {
		tb.Fatalf("%d entries queued, want %d", n, queue)
	}
	return f
}

func (f *fixture) countEntries() int {
	f.t.Helper()
	n := 0
	if err := f.k.Unbonding.Walk(f.ctx, nil, func(uint64, types.UnbondingEntry) (bool, error) { n++; return false, nil }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// endBlockGas runs the EndBlocker on a branch of f's block and returns the
// store gas it used and how many entries matured.
func endBlockGas(tb testing.TB, f *fixture) (storetypes.Gas, int) {
	tb.Helper()
	ctx, _ := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter()).WithEventManager(sdk.NewEventManager()).CacheContext()
	if err := f.k.EndBlocker(ctx); err != nil {
		tb.Fatal(err)
	}
	matured := 0
	for _, ev := range ctx.EventManager().Events() {
		if ev.Type == evUnbondingMatured {
			matured++
		}
	}
	return ctx.GasMeter().GasConsumed(), matured
}

// TestEndBlockerCostIndependentOfQueue: the EndBlocker reads only due
// entries, so entries not yet due cost it nothing (store gas counts every
// read, so equal gas means equal work).
func TestEndBlockerCostIndependentOfQueue(t *testing.T) {
	empty, n := endBlockGas(t, queueFixture(t, 0, 0))
	if n != 0 {
		t.Fatalf("empty queue matured %d", n)
	}
	waiting, n := endBlockGas(t, queueFixture(t, 1000, 0))
	if n != 0 {
		t.Fatalf("queue of entries not due matured %d", n)
	}
	if waiting != empty {
		t.Fatalf("EndBlocker used %d gas with 1000 entries not due, %d with none: it reads entries that are not due", waiting, empty)
	}
	someDue, n := endBlockGas(t, queueFixture(t, 1000, 10))
	if n != 10 {
		t.Fatalf("matured %d entries, want 10", n)
	}
	if someDue <= waiting {
		t.Fatalf("EndBlocker used %d gas paying 10 entries, no more than %d paying none", someDue, waiting)
	}
	t.Logf("EndBlocker store gas: empty %d, 1000 waiting %d, 10 of 1000 due %d", empty, waiting, someDue)
}

// BenchmarkEndBlocker shows the EndBlocker's cost does not grow with
// entries not yet due: compare "queue=10000,due=0" with the empty-queue
// baseline of the same run. Each iteration runs on a fresh branch of the
// same committed state, so due entries are due every time.
func BenchmarkEndBlocker(b *testing.B) {
	for _, c := range []struct{ queue, due int }{{0, 0}, {10000, 0}, {10000, 10}} {
		b.Run(fmt.Sprintf("queue=%d,due=%d", c.queue, c.due), func(b *testing.B) {
			f := queueFixture(b, c.queue, c.due)
			b.ReportAllocs()
			for b.Loop() {
				ctx, _ := f.ctx.WithEventManager(sdk.NewEventManager()).CacheContext()
				if err := f.k.EndBlocker(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if _, n := endBlockGas(b, f); n != c.due {
				b.Fatalf("matured %d entries, want %d", n, c.due)
			}
		})
	}
}
