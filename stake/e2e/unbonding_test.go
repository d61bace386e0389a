package e2e

import (
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/types"
)

// TestStakeUnstakeMaturity follows 2 GPU from bonded stake through an
// unbonding entry back to the owner's balance. Maturity is proven three
// ways: the balance to the unit, the entry gone from StakeOf, and an
// EventUnbondingMatured in the finalize-block events (read over CometBFT's
// RPC) of exactly the first block whose time reached the completion time.
func TestStakeUnstakeMaturity(t *testing.T) {
	opts := testnet.DefaultOptions()
	c := newChain(t, opts)
	c.requireInvariant("genesis")

	start := c.balance("provider1")
	c.send("provider1", &types.MsgStake{Staker: c.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu)})
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(ugpu(5 * gpu).Amount) {
		t.Fatalf("bonded after staking 5 GPU: %s, want %d", got, 5*gpu)
	}
	staked := c.balance("provider1")
	if want := start.SubRaw(5 * gpu); !staked.Equal(want) {
		t.Fatalf("balance after staking 5 GPU: %s, want %s (exactly the stake less)", staked, want)
	}
	tot := c.requireInvariant("stake")
	if !tot.Bonded.Equal(ugpu(5 * gpu).Amount) {
		t.Fatalf("Totals.bonded after staking: %s, want %d", tot.Bonded, 5*gpu)
	}

	res := c.send("provider1", &types.MsgUnstake{Staker: c.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: ugpu(2 * gpu)})
	if len(res.Responses) != 1 {
		t.Fatalf("unstake responses: %v, want one", res.Responses)
	}
	resp, ok := res.Responses[0].(*types.MsgUnstakeResponse)
	if !ok {
		t.Fatalf("unstake response is %T, want *types.MsgUnstakeResponse", res.Responses[0])
	}
	entry := resp.Entry
	txTime := c.blockTime(res.Height)
	wantDone := txTime.Add(opts.Params.UnbondingPeriod)
	switch {
	case !entry.CompletionTime.Equal(wantDone):
		t.Fatalf("entry completion time %s, want block %d time %s + unbonding period %s = %s",
			entry.CompletionTime, res.Height, txTime, opts.Params.UnbondingPeriod, wantDone)
	case entry.CreationHeight != res.Height:
		t.Fatalf("entry creation height %d, want the tx's block %d", entry.CreationHeight, res.Height)
	case !entry.Amount.Equal(ugpu(2*gpu).Amount) || entry.Role != types.ROLE_PROVIDER || entry.Address != c.Addr("provider1"):
		t.Fatalf("entry %+v, want 2 GPU of provider1's provider stake", entry)
	}

	// Before maturity: the 2 GPU are neither bonded nor in the bank.
	st := c.stakeOf("provider1")
	if len(st.Unbonding) != 1 || !sameEntry(st.Unbonding[0], entry) {
		t.Fatalf("StakeOf unbonding %v, want exactly the entry %v", st.Unbonding, entry)
	}
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(ugpu(3 * gpu).Amount) {
		t.Fatalf("bonded after unstaking 2 of 5 GPU: %s, want %d", got, 3*gpu)
	}
	if got := c.balance("provider1"); !got.Equal(staked) {
		t.Fatalf("balance before maturity: %s, want unchanged %s", got, staked)
	}
	tot = c.requireInvariant("unstake")
	if !tot.Unbonding.Equal(entry.Amount) || !tot.Bonded.Equal(ugpu(3*gpu).Amount) {
		t.Fatalf("Totals after unstake: bonded %s unbonding %s, want %d and %s", tot.Bonded, tot.Unbonding, 3*gpu, entry.Amount)
	}
	if now := c.blockTime(c.height()); !now.Before(entry.CompletionTime) {
		t.Fatalf("the checks before maturity ran at block time %s, not before completion %s: the test machine is too slow for a %s unbonding period",
			now, entry.CompletionTime, opts.Params.UnbondingPeriod)
	}

	// After maturity.
	deadline := time.Now().Add(opts.Params.UnbondingPeriod + livenessTimeout)
	for len(c.stakeOf("provider1").Unbonding) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("entry %d still unbonding at height %d, long after its completion time %s", entry.Id, c.height(), entry.CompletionTime)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got, want := c.balance("provider1"), staked.Add(entry.Amount); !got.Equal(want) {
		t.Fatalf("balance after maturity: %s, want %s (the 2 GPU back to the unit)", got, want)
	}
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(ugpu(3 * gpu).Amount) {
		t.Fatalf("bonded after maturity: %s, want %d", got, 3*gpu)
	}
	tot = c.requireInvariant("maturity")
	if !tot.Unbonding.IsZero() {
		t.Fatalf("Totals.unbonding after maturity: %s, want 0", tot.Unbonding)
	}

	evs := findBlockEvents[*types.EventUnbondingMatured](c, res.Height+1, c.height())
	if len(evs) != 1 {
		t.Fatalf("EventUnbondingMatured events after block %d: %d, want exactly 1", res.Height, len(evs))
	}
	ev := evs[0].msg.(*types.EventUnbondingMatured)
	if ev.EntryId != entry.Id || ev.Address != entry.Address || ev.Role != entry.Role || !ev.Amount.Equal(entry.Amount) {
		t.Fatalf("EventUnbondingMatured %+v does not describe entry %+v", ev, entry)
	}
	at := evs[0].height
	if bt := c.blockTime(at); bt.Before(entry.CompletionTime) {
		t.Fatalf("entry matured in block %d at %s, before its completion time %s", at, bt, entry.CompletionTime)
	}
	if bt := c.blockTime(at - 1); !bt.Before(entry.CompletionTime) {
		t.Fatalf("entry matured in block %d, but block %d at %s had already reached its completion time %s", at, at-1, bt, entry.CompletionTime)
	}
}
