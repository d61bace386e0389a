package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/node/leases"
	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testimage.Cleanup()
	os.Exit(code)
}

// trainerJob is the example trainer's spec on image, with extra env lines.
func trainerJob(t *testing.T, image, env string) string {
	t.Helper()
	s, err := jobspec.ParseYAML(fmt.Appendf(nil, `name: e2e
image: %s
command: [/trainer]
resources: {gpus: 0, cpus: 1, memory_mib: 128, disk_mib: 16}
steps: 200
checkpoint_every: 50
verification: {mode: exact, samples: 2}
max_price_per_gpu_hour: 2gpu
deposit: 10gpu
max_duration: 10m
%s`, image, env))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

func send(t *testing.T, net *testnet.Network, key string, msg sdk.Msg) {
	t.Helper()
	if _, err := net.Client.Send(net.Ctx(), key, msg); err != nil {
		t.Fatalf("%s sends %T: %v", key, msg, err)
	}
}

func balance(t *testing.T, net *testnet.Network, key string) math.Int {
	t.Helper()
	c, err := net.Client.Balance(net.Ctx(), net.Addr(key))
	if err != nil {
		t.Fatal(err)
	}
	return c.Amount
}

func job(t *testing.T, net *testnet.Network, id uint64) types.Job {
	t.Helper()
	res, err := net.Client.Query.Job(net.Ctx(), &types.QueryJobRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return res.Job
}

func submit(t *testing.T, net *testnet.Network, key, spec string) uint64 {
	t.Helper()
	res, err := net.Client.Send(net.Ctx(), key, &types.MsgCreateJob{Client: net.Addr(key), Spec: spec})
	if err != nil {
		t.Fatalf("create job: %v", err)
	}
	return res.Responses[0].(*types.MsgCreateJobResponse).JobId
}

func waitStatus(t *testing.T, net *testnet.Network, id uint64, want types.JobStatus, within time.Duration) types.Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		j := job(t, net, id)
		if j.Status == want {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s after %s, want %s (reason %q)", id, j.Status, within, want, j.Reason)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A job is submitted, placed on the provider, run in the Docker sandbox,
// its checkpoints reported with the roots of the files the provider holds,
// completed and settled: the provider is paid exactly what the chain says,
// and the client paid exactly that. The chain checks its invariant after
// every block.
func TestJobRunsEndToEnd(t *testing.T) {
	img := testimage.Trainer(t)
	net := testnet.New(t, testnet.DefaultOptions())
	cfg := nodeConfig(t, net, "provider1", nil)
	send(t, net, "provider1", &types.MsgStake{Staker: net.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, 50_000_000)})
	startNode(t, cfg)
	eventually(t, "provider1 registered with capacity", func() bool {
		res, err := net.Client.Query.Provider(net.Ctx(), &types.QueryProviderRequest{Address: net.Addr("provider1")})
		return err == nil && res.Provider.Cpus > 0
	})
	aliceBefore, providerBefore := balance(t, net, "alice"), balance(t, net, "provider1")

	id := submit(t, net, "alice", trainerJob(t, img, "env: {TRAINER_STEP_DELAY: 5ms}\n"))
	j := waitStatus(t, net, id, types.JOB_STATUS_SUCCEEDED, 90*time.Second)

	if len(j.Checkpoints) != 4 {
		t.Fatalf("checkpoints on chain: %+v", j.Checkpoints)
	}
	dir := filepath.Join(cfg.Home, "runtime", "jobs", leases.RunnerID(id), "checkpoints")
	for _, c := range j.Checkpoints {
		got, _, err := commit.File(context.Background(), filepath.Join(dir, fmt.Sprintf("step-%08d.safetensors", c.Step)), 2)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Root) != string(c.Root) {
			t.Fatalf("step %d: chain root %x, file root %x", c.Step, c.Root, got.Root)
		}
	}
	if !j.Paid.IsPositive() || !j.Escrow.IsZero() {
		t.Fatalf("paid %s, escrow left %s", j.Paid, j.Escrow)
	}
	if got := balance(t, net, "provider1").Sub(providerBefore); !got.Equal(j.Paid) {
		t.Fatalf("provider1 got %s, the chain paid %s", got, j.Paid)
	}
	if got := aliceBefore.Sub(balance(t, net, "alice")); !got.Equal(j.Paid) {
		t.Fatalf("alice paid %s, the chain paid the provider %s", got, j.Paid)
	}
}
