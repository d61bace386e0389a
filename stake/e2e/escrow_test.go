package e2e

import (
	"testing"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/types"
)

// TestEscrowLockAndRefund locks a job's deposit in escrow, shows that only
// the job's client may cancel it, and refunds the deposit to the unit.
func TestEscrowLockAndRefund(t *testing.T) {
	c := newChain(t, testnet.DefaultOptions())
	_, spec, deposit := validSpec(t)
	if !deposit.Equal(ugpu(150 * gpu).Amount) {
		t.Fatalf("valid.yaml deposit is %s ugpu, the test expects 150 GPU", deposit)
	}
	alice, bob := c.Addr("alice"), c.Addr("bob")
	c.requireInvariant("genesis")

	start := c.balance("alice")
	res := c.send("alice", &types.MsgCreateJob{Client: alice, Spec: spec})
	id := res.Responses[0].(*types.MsgCreateJobResponse).JobId
	if got, want := c.balance("alice"), start.Sub(deposit); !got.Equal(want) {
		t.Fatalf("alice's balance after creating job %d: %s, want %s (exactly the deposit less)", id, got, want)
	}
	tot := c.requireInvariant("create job")
	if !tot.Escrow.Equal(deposit) {
		t.Fatalf("Totals.escrow after creating job %d: %s, want the deposit %s", id, tot.Escrow, deposit)
	}
	job, err := c.Client.Query.Job(c.ctx, &types.QueryJobRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if j := job.Job; j.Client != alice || j.Spec != spec || !j.Escrow.Equal(deposit) || j.Status != types.JOB_STATUS_PENDING || j.CreatedHeight != res.Height {
		t.Fatalf("job %d as stored: %+v", id, j)
	}

	bobStart := c.balance("bob")
	_, err = c.Client.Send(c.ctx, "bob", &types.MsgCancelJob{Client: bob, JobId: id})
	requireTxError(t, "bob cancels alice's job", err, "client")
	if got := c.balance("bob"); !got.Equal(bobStart) {
		t.Fatalf("bob's balance changed by his refused cancel: %s, was %s", got, bobStart)
	}
	if tot := c.requireInvariant("bob's refused cancel"); !tot.Escrow.Equal(deposit) {
		t.Fatalf("Totals.escrow after bob's refused cancel: %s, want %s", tot.Escrow, deposit)
	}

	res = c.send("alice", &types.MsgCancelJob{Client: alice, JobId: id})
	if refunded := res.Responses[0].(*types.MsgCancelJobResponse).Refunded; !refunded.Equal(deposit) {
		t.Fatalf("cancel refunded %s, want the deposit %s", refunded, deposit)
	}
	if got := c.balance("alice"); !got.Equal(start) {
		t.Fatalf("alice's balance after the refund: %s, want %s (back to the unit)", got, start)
	}
	job, err = c.Client.Query.Job(c.ctx, &types.QueryJobRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if job.Job.Status != types.JOB_STATUS_CANCELLED || !job.Job.Escrow.IsZero() {
		t.Fatalf("job %d after cancel: status %s escrow %s, want JOB_STATUS_CANCELLED and 0", id, job.Job.Status, job.Job.Escrow)
	}
	if tot := c.requireInvariant("cancel"); !tot.Escrow.IsZero() {
		t.Fatalf("Totals.escrow after the refund: %s, want 0", tot.Escrow)
	}
}
