package keeper_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// cpuSpec is a CPU job: 200 steps, a checkpoint every 50, 10 GPU deposit.
func cpuSpec(t testing.TB, maxDuration string) string {
	t.Helper()
	s, err := jobspec.ParseYAML(fmt.Appendf(nil, `name: lease-test
image: sha256:%064x
command: [/trainer]
resources: {gpus: 0, cpus: 1, memory_mib: 256, disk_mib: 64}
steps: 200
checkpoint_every: 50
verification: {mode: exact, samples: 2}
max_price_per_gpu_hour: 2gpu
deposit: 10gpu
max_duration: %s
`, 1, maxDuration))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

// addProvider registers who with room for four CPU jobs at 1 GPU per hour
// and bonds 100 GPU of provider stake.
func (f *fixture) addProvider(who string, peer string) {
	f.t.Helper()
	_, err := f.msg.RegisterProvider(f.ctx, &types.MsgRegisterProvider{
		Owner: f.acct[who].bech, PeerId: peer,
		PricePerGpuHour: sdk.NewInt64Coin(types.Denom, gpu),
		Cpus:            4, MemoryMib: 4096, DiskMib: 1024,
	})
	if err != nil {
		f.t.Fatalf("register %s: %v", who, err)
	}
	f.mustStake(who, types.ROLE_PROVIDER, 100*gpu)
}

func (f *fixture) job(id uint64) types.Job {
	f.t.Helper()
	j, err := f.k.Job(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return j
}

func (f *fixture) who(bech string) string {
	for _, a := range f.accounts {
		if a.bech == bech {
			return a.name
		}
	}
	return bech
}

func root(b byte) []byte { return bytes.Repeat([]byte{b}, types.RootLen) }

const (
	peerB = "12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBobB"
	peerC = "12D3KooWCarCarCarCarCarCarCarCarCarCarCarCarCarCar"
)

// placeOne submits alice's CPU job and lets the EndBlocker place it.
func (f *fixture) placeOne(maxDuration string) (uint64, string) {
	f.t.Helper()
	id, err := f.createJob(f.ctx, "alice", cpuSpec(f.t, maxDuration))
	if err != nil {
		f.t.Fatal(err)
	}
	f.nextBlock(blockTime)
	j := f.job(id)
	if j.Status != types.JOB_STATUS_LEASED || j.Lease == nil {
		f.t.Fatalf("job %d is %s after a block, want LEASED", id, j.Status)
	}
	return id, f.who(j.Lease.Provider)
}

func (f *fixture) accept(who string, id uint64) {
	f.t.Helper()
	if _, err := f.msg.AcceptLease(f.ctx, &types.MsgAcceptLease{Provider: f.acct[who].bech, JobId: id}); err != nil {
		f.t.Fatalf("accept: %v", err)
	}
}

func (f *fixture) report(who string, id uint64, steps ...int64) error {
	var rs []types.CheckpointReport
	for _, s := range steps {
		rs = append(rs, types.CheckpointReport{Step: s, Root: root(byte(s))})
	}
	_, err := f.msg.ReportCheckpoints(f.ctx, &types.MsgReportCheckpoints{Provider: f.acct[who].bech, JobId: id, Checkpoints: rs})
	return err
}

// The whole lease: placed, accepted, checkpoints reported, completed,
// settled after the challenge window; the provider is paid price × 1 slot
// × run time to the unit and the client gets the rest back.
func TestLeaseRunsAndSettles(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	aliceStart := f.balance(f.acct["alice"].addr)
	id, holder := f.placeOne("2h")
	if holder != "bob" || f.provider("bob").FreeCpus != 3 {
		t.Fatalf("placed on %s, bob has %d free CPUs", holder, f.provider("bob").FreeCpus)
	}
	f.accept("bob", id)
	accepted := f.ctx.BlockTime()
	f.nextBlock(10 * time.Minute)
	if err := f.report("bob", id, 50, 100); err != nil {
		t.Fatal(err)
	}
	f.nextBlock(20 * time.Minute)
	bobBefore := f.balance(f.acct["bob"].addr)
	final := types.CheckpointReport{Step: 200, Root: root(200)}
	if _, err := f.msg.CompleteJob(f.ctx, &types.MsgCompleteJob{Provider: f.acct["bob"].bech, JobId: id, Final: final}); err != nil {
		t.Fatal(err)
	}
	run := f.ctx.BlockTime().Sub(accepted) // 30m5s
	want := math.NewInt(gpu).Mul(math.NewInt(int64(run))).Quo(math.NewInt(int64(time.Hour)))
	j := f.job(id)
	if j.Status != types.JOB_STATUS_VERIFYING || !j.Owed.Equal(want) || len(j.Checkpoints) != 3 {
		t.Fatalf("after complete: %s owed %s (want %s), %d checkpoints", j.Status, j.Owed, want, len(j.Checkpoints))
	}
	if f.provider("bob").FreeCpus != 4 {
		t.Fatal("completion did not free the provider's CPU")
	}
	f.nextBlock(blockTime)
	if f.job(id).Status != types.JOB_STATUS_VERIFYING {
		t.Fatal("settled before the challenge window closed")
	}
	f.nextBlock(types.DevnetParams().ChallengeWindow)
	f.nextBlock(blockTime)
	j = f.job(id)
	if j.Status != types.JOB_STATUS_SUCCEEDED || !j.Paid.Equal(want) || !j.Escrow.IsZero() {
		t.Fatalf("after the window: %s paid %s escrow %s", j.Status, j.Paid, j.Escrow)
	}
	if got := f.balance(f.acct["bob"].addr).Sub(bobBefore); !got.Equal(want) {
		t.Fatalf("bob got %s, want %s", got, want)
	}
	if got := aliceStart.Sub(f.balance(f.acct["alice"].addr)); !got.Equal(want) {
		t.Fatalf("alice paid %s in all, want %s", got, want)
	}
	if f.provider("bob").JobsSucceeded != 1 {
		t.Fatal("provider's verified work not counted")
	}
	var statuses []string
	for _, h := range j.History {
		statuses = append(statuses, h.Status.ShortName())
	}
	if got := strings.Join(statuses, ","); got != "pending,leased,running,verifying,succeeded" {
		t.Fatalf("timeline %s", got)
	}
}

// A provider that does not accept in time is jailed and the job goes to
// another provider in the same block.
func TestUnacceptedLeaseJailsAndReplaces(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	f.addProvider("carol", peerC)
	id, first := f.placeOne("2h")
	for range types.DevnetParams().LeaseAcceptTimeout + 1 {
		f.nextBlock(blockTime)
	}
	j := f.job(id)
	second := f.who(j.Lease.Provider)
	if j.Status != types.JOB_STATUS_LEASED || second == first || j.Placements != 2 {
		t.Fatalf("job %s on %s after %s let it lapse (placements %d)", j.Status, second, first, j.Placements)
	}
	p := f.provider(first)
	if p.Status != types.PROVIDER_STATUS_JAILED || p.JailedUntil <= f.ctx.BlockHeight() || p.FreeCpus != 4 {
		t.Fatalf("%s: status %s until %d, free CPUs %d", first, p.Status, p.JailedUntil, p.FreeCpus)
	}
	// The jailed provider can no longer act on the job.
	if _, err := f.msg.AcceptLease(f.ctx, &types.MsgAcceptLease{Provider: f.acct[first].bech, JobId: id}); err == nil {
		t.Fatal("a provider accepted a lease it lost")
	}
}

// A running provider that stops reporting loses the lease; the job is placed
// again from its last committed checkpoint.
func TestSilentProviderLosesLease(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	f.addProvider("carol", peerC)
	id, first := f.placeOne("2h")
	f.accept(first, id)
	f.nextBlock(blockTime)
	if err := f.report(first, id, 50); err != nil {
		t.Fatal(err)
	}
	for range types.DevnetParams().ProgressTimeout + 2 {
		f.nextBlock(blockTime)
	}
	j := f.job(id)
	if j.Status != types.JOB_STATUS_LEASED || f.who(j.Lease.Provider) == first || j.Lease.StartStep != 50 {
		t.Fatalf("job %s on %s from step %d; want re-placed away from %s at step 50", j.Status, f.who(j.Lease.Provider), j.Lease.StartStep, first)
	}
	if !j.Paid.IsZero() {
		t.Fatalf("silent provider was paid %s", j.Paid)
	}
}

// Cancelling a running job pays the provider for the time used, to the unit.
func TestCancelRunningJobPaysTimeUsed(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	id, _ := f.placeOne("2h")
	f.accept("bob", id)
	accepted := f.ctx.BlockTime()
	f.nextBlock(6 * time.Minute)
	bobBefore, aliceBefore := f.balance(f.acct["bob"].addr), f.balance(f.acct["alice"].addr)
	res, err := f.msg.CancelJob(f.ctx, &types.MsgCancelJob{Client: f.acct["alice"].bech, JobId: id})
	if err != nil {
		t.Fatal(err)
	}
	want := math.NewInt(gpu).Mul(math.NewInt(int64(f.ctx.BlockTime().Sub(accepted)))).Quo(math.NewInt(int64(time.Hour)))
	if got := f.balance(f.acct["bob"].addr).Sub(bobBefore); !got.Equal(want) {
		t.Fatalf("bob got %s, want %s", got, want)
	}
	if got := f.balance(f.acct["alice"].addr).Sub(aliceBefore); !got.Equal(res.Refunded) || !res.Refunded.Equal(math.NewInt(10*gpu).Sub(want)) {
		t.Fatalf("alice got %s back (response %s)", got, res.Refunded)
	}
	if f.job(id).Status != types.JOB_STATUS_CANCELLED || f.provider("bob").FreeCpus != 4 {
		t.Fatal("cancel did not end the lease")
	}
	f.nextBlock(blockTime)
}

// A job that runs past max_duration fails, paid up to max_duration only.
func TestRunPastMaxDurationFails(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	id, _ := f.placeOne("10m")
	f.accept("bob", id)
	f.nextBlock(11 * time.Minute)
	f.nextBlock(blockTime)
	j := f.job(id)
	want := math.NewInt(gpu).MulRaw(10).QuoRaw(60) // 10 minutes of 1 GPU/h
	if j.Status != types.JOB_STATUS_FAILED || !strings.Contains(j.Reason, "max_duration") || !j.Paid.Equal(want) {
		t.Fatalf("job %s (%q) paid %s, want FAILED paid %s", j.Status, j.Reason, j.Paid, want)
	}
}

// FailJob ends a job at its provider's word; the provider is paid for the
// time used.
func TestFailJob(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	id, _ := f.placeOne("2h")
	f.accept("bob", id)
	f.nextBlock(30 * time.Minute)
	if _, err := f.msg.FailJob(f.ctx, &types.MsgFailJob{Provider: f.acct["bob"].bech, JobId: id, Reason: "task exited with code 1"}); err != nil {
		t.Fatal(err)
	}
	j := f.job(id)
	if j.Status != types.JOB_STATUS_FAILED || !j.Escrow.IsZero() || !j.Paid.IsPositive() {
		t.Fatalf("%s escrow %s paid %s", j.Status, j.Escrow, j.Paid)
	}
	f.nextBlock(blockTime)
}

// Every bad lease message is refused with an error naming its field, and
// changes nothing.
func TestLeaseMessagesRefused(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	f.addProvider("carol", peerC)
	id, holder := f.placeOne("2h")
	other := "carol"
	if holder == "carol" {
		other = "bob"
	}
	report := func(who string, rs ...types.CheckpointReport) error {
		_, err := f.msg.ReportCheckpoints(f.ctx, &types.MsgReportCheckpoints{Provider: f.acct[who].bech, JobId: id, Checkpoints: rs})
		return err
	}
	if err := report(holder, types.CheckpointReport{Step: 50, Root: root(1)}); err == nil || !strings.Contains(err.Error(), "leased") {
		t.Fatalf("report before accept: %v", err)
	}
	if _, err := f.msg.AcceptLease(f.ctx, &types.MsgAcceptLease{Provider: f.acct[other].bech, JobId: id}); err == nil || !strings.Contains(err.Error(), "is not leased to") {
		t.Fatalf("accept by another provider: %v", err)
	}
	f.accept(holder, id)
	if err := report(holder, types.CheckpointReport{Step: 50, Root: root(1)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		who  string
		rs   []types.CheckpointReport
		want string
	}{
		{"not a multiple", holder, []types.CheckpointReport{{Step: 75, Root: root(2)}}, "checkpoints[0].step: 75 is neither a multiple"},
		{"not after the last", holder, []types.CheckpointReport{{Step: 50, Root: root(9)}}, "is not after the last committed step 50"},
		{"past the end", holder, []types.CheckpointReport{{Step: 250, Root: root(2)}}, "past the job's 200 steps"},
		{"short root", holder, []types.CheckpointReport{{Step: 100, Root: []byte{1}}}, "checkpoints[0].root"},
		{"not the holder", other, []types.CheckpointReport{{Step: 100, Root: root(2)}}, "is not leased to"},
		{"no reports", holder, nil, "give 1 to 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.snapshot()
			err := report(tt.who, tt.rs...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want it to say %q", err, tt.want)
			}
			if f.snapshot() != before {
				t.Fatal("a refused report changed state")
			}
		})
	}
	// The same report again is taken (a retry after a lost response).
	if err := report(holder, types.CheckpointReport{Step: 50, Root: root(1)}); err != nil {
		t.Fatalf("retried report: %v", err)
	}
	if _, err := f.msg.CompleteJob(f.ctx, &types.MsgCompleteJob{Provider: f.acct[holder].bech, JobId: id, Final: types.CheckpointReport{Step: 150, Root: root(3)}}); err == nil || !strings.Contains(err.Error(), "not the job's last step") {
		t.Fatalf("complete at step 150: %v", err)
	}
}

// The Jobs query lists a provider's current leases.
func TestJobsByProviderQuery(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	id, _ := f.placeOne("2h")
	if got := f.jobIDs(&types.QueryJobsRequest{Provider: f.acct["bob"].bech}); len(got) != 1 || got[0] != id {
		t.Fatalf("bob's leases %v, want [%d]", got, id)
	}
	if got := f.jobIDs(&types.QueryJobsRequest{Provider: f.acct["carol"].bech}); len(got) != 0 {
		t.Fatalf("carol's leases %v", got)
	}
	if _, err := f.msg.CancelJob(f.ctx, &types.MsgCancelJob{Client: f.acct["alice"].bech, JobId: id}); err != nil {
		t.Fatal(err)
	}
	if got := f.jobIDs(&types.QueryJobsRequest{Provider: f.acct["bob"].bech}); len(got) != 0 {
		t.Fatalf("a cancelled job is still listed as bob's lease: %v", got)
	}
}

// A chain exported with a running lease and imported again keeps acting on
// it: the provider's lease index and the deadline indexes are rebuilt.
func TestGenesisRoundTripWithRunningLease(t *testing.T) {
	f := newFixture(t)
	f.addProvider("bob", peerB)
	id, _ := f.placeOne("2h")
	f.accept("bob", id)
	if err := f.report("bob", id, 50); err != nil {
		t.Fatal(err)
	}
	f.nextBlock(blockTime)
	exported, err := f.app.ExportAppState(false)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(exported.AppState, &state); err != nil {
		t.Fatal(err)
	}
	g := newFixtureWithState(t, state, exported.Height+1, f.ctx.BlockTime())
	if got := g.jobIDs(&types.QueryJobsRequest{Provider: g.acct["bob"].bech}); len(got) != 1 || got[0] != id {
		t.Fatalf("bob's leases after import: %v", got)
	}
	// bob goes silent: the imported chain still takes the lease away.
	for range types.DevnetParams().ProgressTimeout + 2 {
		g.nextBlock(blockTime)
	}
	j := g.job(id)
	if j.Status != types.JOB_STATUS_PENDING || len(j.Checkpoints) != 1 {
		t.Fatalf("after import and silence: %s with %d checkpoints", j.Status, len(j.Checkpoints))
	}
	if g.provider("bob").FreeCpus != 4 {
		t.Fatal("the lost lease's CPU was not given back after import")
	}
}
