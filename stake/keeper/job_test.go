package keeper_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

const (
	evJobCreated   = "gpunet.stake.v1.EventJobCreated"
	evJobCancelled = "gpunet.stake.v1.EventJobCancelled"
	// validDeposit is testdata/valid.yaml's deposit: 150gpu.
	validDeposit = 150 * gpu
)

// validSpec is the canonical JSON of jobspec/testdata/valid.yaml, as the
// chain stores it.
func validSpec(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../jobspec/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := jobspec.ParseYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Deposit.Int(); !got.Equal(math.NewInt(validDeposit)) {
		t.Fatalf("valid.yaml deposit = %s, want %d: update validDeposit", got, validDeposit)
	}
	return string(c)
}

// editSpec replaces old with new in the valid canonical spec, failing if old
// is absent so a changed example cannot turn a row into a no-op.
func editSpec(t testing.TB, old, new string) string {
	t.Helper()
	s := validSpec(t)
	if !strings.Contains(s, old) {
		t.Fatalf("canonical valid spec has no %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func (f *fixture) createJob(ctx sdk.Context, who, spec string) (uint64, error) {
	res, err := f.msg.CreateJob(ctx, &types.MsgCreateJob{Client: f.acct[who].bech, Spec: spec})
	if err != nil {
		return 0, err
	}
	return res.JobId, nil
}

func (f *fixture) mustCreateJob(who string) uint64 {
	f.t.Helper()
	id, err := f.createJob(f.ctx, who, validSpec(f.t))
	if err != nil {
		f.t.Fatalf("create job for %s: %v", who, err)
	}
	f.requireInvariant()
	return id
}

// jobIDs queries Jobs and returns the IDs it lists.
func (f *fixture) jobIDs(req *types.QueryJobsRequest) []uint64 {
	f.t.Helper()
	res, err := f.q.Jobs(f.ctx, req)
	if err != nil {
		f.t.Fatalf("query jobs %v: %v", req, err)
	}
	ids := []uint64{}
	for _, j := range res.Jobs {
		ids = append(ids, j.Id)
	}
	return ids
}

func requireIDs(t testing.TB, what string, got []uint64, want ...uint64) {
	t.Helper()
	if want == nil {
		want = []uint64{}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestCreateJob(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.acct["alice"], f.acct["bob"]
	spec := validSpec(t)

	ctx := f.fresh()
	id, err := f.createJob(ctx, "alice", spec)
	if err != nil {
		t.Fatal(err)
	}
	f.requireInvariant()
	if id != 1 {
		t.Fatalf("first job id = %d, want 1", id)
	}
	requireEvents(t, ctx, evJobCreated)
	if got := f.balance(alice.addr); !got.Equal(math.NewInt(startBalance - validDeposit)) {
		t.Errorf("alice balance = %s, want %d", got, startBalance-validDeposit)
	}
	if got := f.moduleBalance(); !got.Equal(math.NewInt(validDeposit)) {
		t.Errorf("module balance = %s, want exactly the deposit %d", got, validDeposit)
	}
	res, err := f.q.Job(f.ctx, &types.QueryJobRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	j := res.Job
	if j.Client != alice.bech || j.Spec != spec || !j.Escrow.Equal(math.NewInt(validDeposit)) ||
		j.Status != types.JOB_STATUS_PENDING || j.CreatedHeight != f.ctx.BlockHeight() || j.UpdatedHeight != f.ctx.BlockHeight() {
		t.Fatalf("stored job = %+v", j)
	}

	f.nextBlock(blockTime)
	id2 := f.mustCreateJob("bob")
	id3 := f.mustCreateJob("alice")
	requireIDs(t, "jobs of alice", f.jobIDs(&types.QueryJobsRequest{Client: alice.bech}), id, id3)
	requireIDs(t, "jobs of bob", f.jobIDs(&types.QueryJobsRequest{Client: bob.bech}), id2)
	requireIDs(t, "jobs of carol", f.jobIDs(&types.QueryJobsRequest{Client: f.acct["carol"].bech}))
	requireIDs(t, "pending jobs", f.jobIDs(&types.QueryJobsRequest{Status: types.JOB_STATUS_PENDING}), id, id2, id3)
	requireIDs(t, "running jobs", f.jobIDs(&types.QueryJobsRequest{Status: types.JOB_STATUS_RUNNING}))
	requireIDs(t, "all jobs", f.jobIDs(&types.QueryJobsRequest{}), id, id2, id3)
	if got := f.moduleBalance(); !got.Equal(math.NewInt(3 * validDeposit)) {
		t.Errorf("module balance = %s, want three deposits", got)
	}
}

func TestCreateJobFailures(t *testing.T) {
	f := newFixture(t)
	f.mustCreateJob("alice") // so failures happen next to existing state
	create := func(who, spec string) func(sdk.Context) error {
		return func(ctx sdk.Context) error { _, err := f.createJob(ctx, who, spec); return err }
	}
	long := `"` + strings.Repeat("x", 4000) + `"`
	oversized := editSpec(t, `"command":["python","train.py","--batch-size","128"]`,
		`"command":["python",`+strings.Join([]string{long, long, long, long, long}, ",")+`]`)
	f.runFailCases(t, []failCase{
		{"spec over 16 KiB", create("alice", oversized),
			types.ErrInvalidJobSpec, []string{"spec:", "the limit is 16384 bytes", "move data into inputs"}},
		{"image not pinned by digest", create("alice", editSpec(t,
			`"image":"ghcr.io/gpunet/examples/resnet@sha256:4a8c9f0d2e1b3c5a7f6e9d8c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a"`,
			`"image":"ghcr.io/gpunet/examples/resnet:latest"`)),
			types.ErrInvalidJobSpec, []string{"spec:", "image: is not pinned by digest", "pin the image by digest"}},
		{"negative gpus", create("alice", editSpec(t, `"gpus":2,`, `"gpus":-2,`)),
			types.ErrInvalidJobSpec, []string{"spec:", "resources.gpus: must not be negative (got -2)", "set it to 0 for a CPU job"}},
		{"negative memory", create("alice", editSpec(t, `"memory_mib":65536`, `"memory_mib":-1`)),
			types.ErrInvalidJobSpec, []string{"spec:", "resources.memory_mib: must be at least 64", "set the container's memory limit"}},
		{"not canonical: extra space", create("alice", strings.Replace(validSpec(t), `{"name"`, `{ "name"`, 1)),
			types.ErrInvalidJobSpec, []string{"spec:", "not canonical", "first difference at byte 1", "jobspec.Canonical"}},
		{"not canonical: fields reordered", create("alice", editSpec(t,
			`"steps":10000,"checkpoint_every":500`, `"checkpoint_every":500,"steps":10000`)),
			types.ErrInvalidJobSpec, []string{"spec:", "not canonical", "gpunet job submit"}},
		{"privileged", create("alice", editSpec(t, `{"name"`, `{"privileged":true,"name"`)),
			types.ErrInvalidJobSpec, []string{"spec:", "privileged"}},
		{"not JSON", create("alice", "name: resnet"),
			types.ErrInvalidJobSpec, []string{"spec:", "decode JSON"}},
		{"deposit not covered", create("poor", validSpec(t)),
			types.ErrInsufficientFunds, []string{"spec.deposit:", "has 500000ugpu spendable, needs 150000000ugpu", "fund the account or ask for less"}},
		{"bad client address", func(ctx sdk.Context) error {
			_, err := f.msg.CreateJob(ctx, &types.MsgCreateJob{Client: "gpunet1bad", Spec: validSpec(t)})
			return err
		}, types.ErrInvalidAddress, []string{"client:", "is not a gpunet address", "gpunet keys show NAME -a"}},
	})
}

// TestCreateJobPrivilegedSaysWhy: a spec carrying a container option gpunet
// refuses on purpose must say so and how to fix it on the chain path too,
// as ParseYAML does ("privileged: refused: gpunet never runs privileged
// containers (SPEC section 7); remove the field"). ParseCanonical only
// reports encoding/json's `unknown field "privileged"`.
func TestCreateJobPrivilegedSaysWhy(t *testing.T) {
	f := newFixture(t)
	_, err := f.createJob(f.fresh(), "alice", editSpec(t, `{"name"`, `{"privileged":true,"name"`))
	requireErr(t, err, types.ErrInvalidJobSpec, "spec:", "privileged", "never runs privileged containers", "remove the field")
}

func TestCancelJob(t *testing.T) {
	f := newFixture(t)
	alice := f.acct["alice"]
	id := f.mustCreateJob("alice")
	other := f.mustCreateJob("bob")
	f.nextBlock(blockTime)

	cancel := func(who string, id uint64) func(sdk.Context) error {
		return func(ctx sdk.Context) error {
			_, err := f.msg.CancelJob(ctx, &types.MsgCancelJob{Client: f.acct[who].bech, JobId: id})
			return err
		}
	}
	f.runFailCases(t, []failCase{
		{"not the client", cancel("bob", id),
			types.ErrNotJobClient, []string{"client:", fmt.Sprintf("job %d belongs to %s", id, alice.bech), "only its client may cancel it"}},
		{"missing job", cancel("alice", 99),
			types.ErrJobNotFound, []string{"job_id:", "no job 99", "gpunet job list"}},
		{"bad client address", func(ctx sdk.Context) error {
			_, err := f.msg.CancelJob(ctx, &types.MsgCancelJob{Client: "gpunet1bad", JobId: id})
			return err
		}, types.ErrInvalidAddress, []string{"client:", "is not a gpunet address"}},
	})

	ctx := f.fresh()
	res, err := f.msg.CancelJob(ctx, &types.MsgCancelJob{Client: alice.bech, JobId: id})
	if err != nil {
		t.Fatal(err)
	}
	f.requireInvariant()
	requireEvents(t, ctx, evJobCancelled)
	if !res.Refunded.Equal(math.NewInt(validDeposit)) {
		t.Errorf("refunded %s, want the whole deposit %d", res.Refunded, validDeposit)
	}
	if got := f.balance(alice.addr); !got.Equal(math.NewInt(startBalance)) {
		t.Errorf("alice balance after refund = %s, want %d", got, startBalance)
	}
	if got := f.moduleBalance(); !got.Equal(math.NewInt(validDeposit)) {
		t.Errorf("module balance = %s, want bob's deposit only", got)
	}
	j, err := f.k.Job(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != types.JOB_STATUS_CANCELLED || !j.Escrow.IsZero() || j.UpdatedHeight != f.ctx.BlockHeight() || j.CreatedHeight != f.ctx.BlockHeight()-1 {
		t.Fatalf("cancelled job = %+v", j)
	}
	requireIDs(t, "pending jobs", f.jobIDs(&types.QueryJobsRequest{Status: types.JOB_STATUS_PENDING}), other)
	requireIDs(t, "cancelled jobs", f.jobIDs(&types.QueryJobsRequest{Status: types.JOB_STATUS_CANCELLED}), id)
	requireIDs(t, "alice's cancelled jobs", f.jobIDs(&types.QueryJobsRequest{Client: alice.bech, Status: types.JOB_STATUS_CANCELLED}), id)
	requireIDs(t, "alice's pending jobs", f.jobIDs(&types.QueryJobsRequest{Client: alice.bech, Status: types.JOB_STATUS_PENDING}))

	f.runFailCases(t, []failCase{
		{"already cancelled", cancel("alice", id),
			types.ErrJobNotCancellable, []string{"job_id:", fmt.Sprintf("job %d is cancelled", id), "only a pending, leased or running job can be cancelled"}},
	})
	f.nextBlock(blockTime)
}
