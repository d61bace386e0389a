package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/internal/testnode"
	"github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/node/leases"
	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/runtime/docker"
	"github.com/gpunet/gpunet/runtime/runner"
	"github.com/gpunet/gpunet/stake/types"
)

// leaseNet is a test chain whose leases lapse quickly: 10 blocks to accept,
// 15 blocks (3 s) of silence before a running lease is lost.
func leaseNet(t *testing.T) *testnet.Network {
	opts := testnet.DefaultOptions()
	opts.Params.LeaseAcceptTimeout = 10
	opts.Params.ProgressTimeout = 15
	opts.Params.JailDuration = 1000
	return testnet.New(t, opts)
}

// provider stakes key and returns its node config (docker driver).
func provider(t *testing.T, net *testnet.Network, key string) node.Config {
	t.Helper()
	send(t, net, key, &types.MsgStake{Staker: net.Addr(key), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, 50_000_000)})
	return nodeConfig(t, net, key, nil)
}

// runNode starts a node and returns a function that kills it (the process
// ends; its containers are left as they are).
func runNode(t *testing.T, cfg node.Config) (kill func()) {
	_, kill = testnode.Start(t, cfg, node.Deps{})
	return kill
}

func registered(t *testing.T, net *testnet.Network, key string) { testnode.WaitRegistered(t, net, key) }

// jobContainers lists the containers a provider runs for a chain job.
// Other tests' chains have jobs with the same IDs on the same engine; the
// owner label (the provider's runner) tells them apart.
func jobContainers(t *testing.T, cfg node.Config, id uint64, all bool) []container.Summary {
	t.Helper()
	cli := testimage.Engine(t)
	owner := runner.OwnerOf(filepath.Join(cfg.Home, "runtime"))
	cs, err := cli.ContainerList(context.Background(), container.ListOptions{All: all,
		Filters: filters.NewArgs(filters.Arg("label", docker.LabelJob+"="+leases.RunnerID(id)), filters.Arg("label", docker.LabelOwner+"="+owner))})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitRunningWithCheckpoint waits until the job runs and has committed a
// checkpoint on chain.
func waitRunningWithCheckpoint(t *testing.T, net *testnet.Network, id uint64) types.Job {
	t.Helper()
	var j types.Job
	eventually(t, "a running job with a checkpoint on chain", func() bool {
		j = job(t, net, id)
		return j.Status == types.JOB_STATUS_RUNNING && len(j.Checkpoints) > 0
	})
	return j
}

// referenceRoot runs the trainer on the host, uninterrupted, and returns the
// root of its final checkpoint.
func referenceRoot(t *testing.T, seed uint64) []byte {
	t.Helper()
	dir := t.TempDir()
	bin := testimage.TrainerBinary(t, t.TempDir())
	cmd := exec.Command(bin)
	cmd.Env = []string{"GPUNET_JOB_ID=ref", "GPUNET_START_STEP=0", "GPUNET_END_STEP=200", "GPUNET_CHECKPOINT_EVERY=50",
		"GPUNET_RESUME_FROM=", "GPUNET_CHECKPOINT_DIR=" + dir, "GPUNET_SEED=" + fmt.Sprint(seed)}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	c, _, err := commit.File(context.Background(), filepath.Join(dir, "step-00000200.safetensors"), 2)
	if err != nil {
		t.Fatal(err)
	}
	return c.Root
}

// A provider that never accepts its lease is jailed and the job runs on
// another provider.
func TestUnacceptedLeaseRunsElsewhere(t *testing.T) {
	img := testimage.Trainer(t)
	net := leaseNet(t)
	// provider2 is registered, cheaper, and never runs a node.
	key, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := peer.IDFromPrivateKey(key)
	send(t, net, "provider2", &types.MsgRegisterProvider{Owner: net.Addr("provider2"), PeerId: pid.String(),
		PricePerGpuHour: sdk.NewInt64Coin(types.Denom, 1_000_000), Cpus: 8, MemoryMib: 8192, DiskMib: 8192})
	send(t, net, "provider2", &types.MsgStake{Staker: net.Addr("provider2"), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, 50_000_000)})
	runNode(t, provider(t, net, "provider1"))
	registered(t, net, "provider1")

	id := submit(t, net, "alice", trainerJob(t, img, ""))
	j := waitStatus(t, net, id, types.JOB_STATUS_SUCCEEDED, 90*time.Second)
	if j.Placements != 2 || j.Lease.Provider != net.Addr("provider1") {
		t.Fatalf("placements %d, last on %s", j.Placements, j.Lease.Provider)
	}
	res, err := net.Client.Query.Provider(net.Ctx(), &types.QueryProviderRequest{Address: net.Addr("provider2")})
	if err != nil || res.Provider.Status != types.PROVIDER_STATUS_JAILED {
		t.Fatalf("provider2: %+v %v", res, err)
	}
}

// The provider running a job dies with its container; the lease is lost,
// the job is placed on the other provider, which fetches the last committed
// checkpoint from the first (back up, serving what it committed) over
// /gpunet/checkpoint/1, resumes from it, and ends with the final checkpoint
// of an uninterrupted run.
func TestKilledProviderResumesElsewhere(t *testing.T) {
	img := testimage.Trainer(t)
	opts := testnet.DefaultOptions()
	opts.Params.LeaseAcceptTimeout = 60 // time for the first provider to come back and serve
	opts.Params.ProgressTimeout = 15
	net := testnet.New(t, opts)
	cfgs := map[string]node.Config{"provider1": provider(t, net, "provider1"), "provider2": provider(t, net, "provider2")}
	kills := map[string]func(){}
	for key, cfg := range cfgs {
		kills[key] = runNode(t, cfg)
	}
	registered(t, net, "provider1")
	registered(t, net, "provider2")

	id := submit(t, net, "alice", trainerJob(t, img, "env: {TRAINER_STEP_DELAY: 25ms}\n"))
	j := waitRunningWithCheckpoint(t, net, id)
	first := "provider1"
	if j.Lease.Provider == net.Addr("provider2") {
		first = "provider2"
	}
	kills[first]()
	for _, c := range jobContainers(t, cfgs[first], id, true) { // its machine went down
		_ = testimage.Engine(t).ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true})
	}
	eventually(t, "the lease to move", func() bool {
		j = job(t, net, id)
		return j.Placements == 2
	})
	runNode(t, cfgs[first]) // back up: it serves its checkpoints, runs nothing
	j = waitStatus(t, net, id, types.JOB_STATUS_SUCCEEDED, 90*time.Second)
	if j.Lease.Provider == net.Addr(first) || j.Lease.StartStep == 0 {
		t.Fatalf("finished on %s from step %d", j.Lease.Provider, j.Lease.StartStep)
	}
	final := j.Checkpoints[len(j.Checkpoints)-1]
	if want := referenceRoot(t, j.Seed); final.Step != 200 || string(final.Root) != string(want) {
		t.Fatalf("final checkpoint step %d root %x, uninterrupted run %x", final.Step, final.Root, want)
	}
}

// The provider's store is deleted mid-job: the restarted node adopts the
// running container by its labels, never starts a second copy, and is paid
// once.
func TestDeletedStoreAdoptsRunningContainer(t *testing.T) {
	img := testimage.Trainer(t)
	net := leaseNet(t)
	cfg := provider(t, net, "provider1")
	kill := runNode(t, cfg)
	registered(t, net, "provider1")
	before := balance(t, net, "provider1")

	id := submit(t, net, "alice", trainerJob(t, img, "env: {TRAINER_STEP_DELAY: 20ms}\n"))
	waitRunningWithCheckpoint(t, net, id)
	cs := jobContainers(t, cfg, id, true)
	if len(cs) != 1 {
		t.Fatalf("containers: %+v", cs)
	}
	kill()
	if err := os.Remove(filepath.Join(cfg.Home, node.StoreFile)); err != nil {
		t.Fatal(err)
	}
	runNode(t, cfg)
	stop := make(chan struct{})
	seen := make(chan int, 1)
	go func() { // sample: never two containers of the job
		most := 0
		for {
			select {
			case <-stop:
				seen <- most
				return
			case <-time.After(50 * time.Millisecond):
				most = max(most, len(jobContainers(t, cfg, id, true)))
			}
		}
	}()
	j := waitStatus(t, net, id, types.JOB_STATUS_SUCCEEDED, 90*time.Second)
	close(stop)
	if most := <-seen; most > 1 {
		t.Fatalf("%d containers of the job at once", most)
	}
	if j.Placements != 1 {
		t.Fatalf("placements %d: the lease was lost instead of adopted", j.Placements)
	}
	if got := balance(t, net, "provider1").Sub(before); !got.Equal(j.Paid) {
		t.Fatalf("provider1 got %s, the chain paid %s", got, j.Paid)
	}
}

// The client cancels mid-run: the provider is paid for the time used and
// stops the container.
func TestCancelMidRun(t *testing.T) {
	img := testimage.Trainer(t)
	net := leaseNet(t)
	cfg := provider(t, net, "provider1")
	runNode(t, cfg)
	registered(t, net, "provider1")
	id := submit(t, net, "alice", trainerJob(t, img, "env: {TRAINER_STEP_DELAY: 50ms}\n"))
	waitRunningWithCheckpoint(t, net, id)
	send(t, net, "alice", &types.MsgCancelJob{Client: net.Addr("alice"), JobId: id})
	j := job(t, net, id)
	if j.Status != types.JOB_STATUS_CANCELLED || !j.Paid.IsPositive() || !j.Escrow.IsZero() {
		t.Fatalf("%s paid %s escrow %s", j.Status, j.Paid, j.Escrow)
	}
	eventually(t, "the job's container to stop", func() bool { return len(jobContainers(t, cfg, id, false)) == 0 })
}

// A job that exits non-zero fails on chain with the reason.
func TestFailingJobFails(t *testing.T) {
	img := testimage.Trainer(t)
	net := leaseNet(t)
	runNode(t, provider(t, net, "provider1"))
	registered(t, net, "provider1")
	spec := strings.Replace(trainerJob(t, img, ""), `"command":["/trainer"]`, `"command":["/trainer","--cheat-segment=nope"]`, 1)
	id := submit(t, net, "alice", spec)
	j := waitStatus(t, net, id, types.JOB_STATUS_FAILED, 60*time.Second)
	if !strings.Contains(j.Reason, "exited with code 2") {
		t.Fatalf("reason %q", j.Reason)
	}
}

// A job that runs past max_duration fails, and its container is stopped.
func TestJobPastMaxDurationFails(t *testing.T) {
	img := testimage.Trainer(t)
	net := leaseNet(t)
	cfg := provider(t, net, "provider1")
	runNode(t, cfg)
	registered(t, net, "provider1")
	spec := strings.Replace(trainerJob(t, img, "env: {TRAINER_STEP_DELAY: 100ms}\n"), `"max_duration":"10m0s"`, `"max_duration":"3s"`, 1)
	id := submit(t, net, "alice", spec)
	j := waitStatus(t, net, id, types.JOB_STATUS_FAILED, 60*time.Second)
	if !strings.Contains(j.Reason, "max_duration") {
		t.Fatalf("reason %q", j.Reason)
	}
	eventually(t, "the job's container to stop", func() bool { return len(jobContainers(t, cfg, id, false)) == 0 })
}

// A job no provider can satisfy stays PENDING.
func TestUnsatisfiableJobStaysPending(t *testing.T) {
	img := testimage.Trainer(t)
	net := leaseNet(t)
	runNode(t, provider(t, net, "provider1"))
	registered(t, net, "provider1")
	spec := strings.Replace(trainerJob(t, img, ""), `"gpus":0`, `"gpus":8`, 1)
	id := submit(t, net, "alice", spec)
	net.WaitHeight(job(t, net, id).CreatedHeight + 20)
	if j := job(t, net, id); j.Status != types.JOB_STATUS_PENDING || j.Placements != 0 {
		t.Fatalf("job %s after 20 blocks (placements %d)", j.Status, j.Placements)
	}
}
