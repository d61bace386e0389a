package keeper_test

import (
	"context"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// requireEntry checks whether entry e is stored, and that its address and
// time indexes agree. The indexes are searched by entry id, so the check
// does not depend on how the keeper encodes the time.
func (f *fixture) requireEntry(e types.UnbondingEntry, want bool) {
	f.t.Helper()
	addr := testAddressOf(f, e.Address)
	has := map[string]func() (bool, error){
		"unbonding":            func() (bool, error) { return f.k.Unbonding.Has(f.ctx, e.Id) },
		"unbonding_by_address": func() (bool, error) { return f.k.UnbondingByAddress.Has(f.ctx, collections.Join(addr, e.Id)) },
		"unbonding_by_time":    func() (bool, error) { return indexHasID(f.ctx, f.k.UnbondingByTime, e.Id) },
	}
	for name, fn := range has {
		got, err := fn()
		if err != nil {
			f.t.Fatal(err)
		}
		if got != want {
			f.t.Errorf("entry %d in %s = %v, want %v", e.Id, name, got, want)
		}
	}
}

// indexHasID reports whether any key of a (K, id) index ends in id.
func indexHasID[K any](ctx context.Context, ks collections.KeySet[collections.Pair[K, uint64]], id uint64) (bool, error) {
	found := false
	err := ks.Walk(ctx, nil, func(key collections.Pair[K, uint64]) (bool, error) {
		found = key.K2() == id
		return found, nil
	})
	return found, err
}

func testAddressOf(f *fixture, bech string) sdk.AccAddress {
	f.t.Helper()
	bz, err := f.app.Encoding().AddressCodec.StringToBytes(bech)
	if err != nil {
		f.t.Fatal(err)
	}
	return bz
}

func countEvents(events []abci.Event, typ string) int {
	n := 0
	for _, ev := range events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestUnbondingMatures(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.acct["alice"], f.acct["bob"]
	params, err := f.k.Params.Get(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := f.ctx.BlockTime()

	f.mustStake("alice", types.ROLE_PROVIDER, 10*gpu)
	f.mustStake("bob", types.ROLE_VERIFIER, 10*gpu)
	e1 := f.mustUnstake("alice", types.ROLE_PROVIDER, 3*gpu)
	e2 := f.mustUnstake("bob", types.ROLE_VERIFIER, 4*gpu)
	due := start.Add(params.UnbondingPeriod)
	for _, e := range []types.UnbondingEntry{e1, e2} {
		if !e.CompletionTime.Equal(due) {
			t.Fatalf("entry %d completes at %s, want block time + unbonding period = %s", e.Id, e.CompletionTime, due)
		}
	}

	f.nextBlock(30 * time.Second)
	e3 := f.mustUnstake("alice", types.ROLE_PROVIDER, 2*gpu)
	if want := start.Add(30 * time.Second).Add(params.UnbondingPeriod); !e3.CompletionTime.Equal(want) {
		t.Fatalf("entry 3 completes at %s, want %s", e3.CompletionTime, want)
	}
	aliceBal, bobBal, module := f.balance(alice.addr), f.balance(bob.addr), f.moduleBalance()

	// The last block before e1 and e2 are due pays nothing.
	f.nextBlock(due.Sub(f.ctx.BlockTime()) - time.Nanosecond)
	res := f.nextBlock(time.Nanosecond)
	if n := countEvents(res.Events, evUnbondingMatured); n != 0 {
		t.Fatalf("block 1ns before completion matured %d entries, want 0", n)
	}
	if !f.balance(alice.addr).Equal(aliceBal) || !f.balance(bob.addr).Equal(bobBal) || !f.moduleBalance().Equal(module) {
		t.Fatalf("balances moved before completion: alice %s bob %s module %s", f.balance(alice.addr), f.balance(bob.addr), f.moduleBalance())
	}
	for _, e := range []types.UnbondingEntry{e1, e2, e3} {
		f.requireEntry(e, true)
	}

	// The block at exactly the completion time pays both due entries and
	// leaves the one not yet due.
	if !f.ctx.BlockTime().Equal(due) {
		t.Fatalf("fixture block time %s, want %s", f.ctx.BlockTime(), due)
	}
	res = f.nextBlock(10 * time.Second)
	if n := countEvents(res.Events, evUnbondingMatured); n != 2 {
		t.Fatalf("block at completion matured %d entries, want 2", n)
	}
	if got, want := f.balance(alice.addr), aliceBal.Add(math.NewInt(3*gpu)); !got.Equal(want) {
		t.Errorf("alice balance = %s, want %s", got, want)
	}
	if got, want := f.balance(bob.addr), bobBal.Add(math.NewInt(4*gpu)); !got.Equal(want) {
		t.Errorf("bob balance = %s, want %s", got, want)
	}
	if got, want := f.moduleBalance(), module.Sub(math.NewInt(7*gpu)); !got.Equal(want) {
		t.Errorf("module balance = %s, want %s", got, want)
	}
	f.requireEntry(e1, false)
	f.requireEntry(e2, false)
	f.requireEntry(e3, true)

	// A block well after e3's completion pays it.
	aliceBal = f.balance(alice.addr)
	f.nextBlock(time.Hour)
	res = f.nextBlock(blockTime)
	if n := countEvents(res.Events, evUnbondingMatured); n != 1 {
		t.Fatalf("late block matured %d entries, want 1", n)
	}
	if got, want := f.balance(alice.addr), aliceBal.Add(math.NewInt(2*gpu)); !got.Equal(want) {
		t.Errorf("alice balance after e3 = %s, want %s", got, want)
	}
	f.requireEntry(e3, false)
	if got := f.moduleBalance(); !got.Equal(math.NewInt(11 * gpu)) {
		t.Errorf("module balance = %s, want the 11 GPU still bonded", got)
	}
}

// TestUnbondingManyDueInOneBlock: every entry due in a block matures in it,
// whatever the owner, and entries due one nanosecond later stay.
func TestUnbondingManyDueInOneBlock(t *testing.T) {
	f := newFixture(t)
	for _, who := range []string{"alice", "bob", "carol"} {
		f.mustStake(who, types.ROLE_VERIFIER, 20*gpu)
	}
	var dueNow, dueLater []types.UnbondingEntry
	for i := range 5 {
		for _, who := range []string{"alice", "bob", "carol"} {
			dueNow = append(dueNow, f.mustUnstake(who, types.ROLE_VERIFIER, int64(i+1)))
		}
	}
	first := dueNow[0].CompletionTime
	f.nextBlock(time.Nanosecond)
	dueLater = append(dueLater, f.mustUnstake("alice", types.ROLE_VERIFIER, 7))

	f.nextBlock(first.Sub(f.ctx.BlockTime()))
	res := f.nextBlock(blockTime)
	if n := countEvents(res.Events, evUnbondingMatured); n != len(dueNow) {
		t.Fatalf("matured %d entries, want %d", n, len(dueNow))
	}
	for _, e := range dueNow {
		f.requireEntry(e, false)
	}
	for _, e := range dueLater {
		f.requireEntry(e, true)
	}
	// 1+2+3+4+5 = 15 ugpu came back to each of them.
	for _, who := range []string{"bob", "carol"} {
		if got, want := f.balance(f.acct[who].addr), math.NewInt(startBalance-20*gpu+15); !got.Equal(want) {
			t.Errorf("%s balance = %s, want %s", who, got, want)
		}
	}
}

// TestUnbondingFarFutureCompletionWaits: an entry completing centuries
// ahead must wait like any other, not wrap around and pay out (escaping any
// slash) at once. Either params refuse such a period, or the time index
// handles it.
func TestUnbondingFarFutureCompletionWaits(t *testing.T) {
	f := newFixture(t)
	p := types.DevnetParams()
	p.UnbondingPeriod = 250 * 365 * 24 * time.Hour
	if err := p.Validate(); err != nil {
		requireErr(t, err, types.ErrInvalidParams, "params.unbonding_period:")
		return // bounded: no entry can complete that late
	}
	f.mustOK(f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: govAuthority(f), Params: p}))
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	e := f.mustUnstake("alice", types.ROLE_PROVIDER, 5*gpu)
	before := f.balance(f.acct["alice"].addr)
	f.nextBlock(blockTime)
	res := f.nextBlock(blockTime)
	if n := countEvents(res.Events, evUnbondingMatured); n != 0 || !f.balance(f.acct["alice"].addr).Equal(before) {
		t.Fatalf("entry %d completing at %s was paid out by block time %s: its time index key (Time.UnixNano, undefined after 2262) wrapped negative",
			e.Id, e.CompletionTime, f.ctx.BlockTime())
	}
	f.requireEntry(e, true)
}
