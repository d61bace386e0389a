package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/node/gpu"
	"github.com/gpunet/gpunet/stake/chain"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// benchTrainerJob is the trainer on image: 500 steps of 20 ms with a
// checkpoint every 10, so the first checkpoint is 0.2 s of the trainer's
// own work and the run lasts 10 s unless cancelled.
func benchTrainerJob(b *testing.B, image string, i int) string {
	b.Helper()
	s, err := jobspec.ParseYAML(fmt.Appendf(nil, `name: bench-%d
image: %s
command: [/trainer]
env: {TRAINER_STEP_DELAY: 20ms}
resources: {gpus: 0, cpus: 1, memory_mib: 128, disk_mib: 16}
steps: 500
checkpoint_every: 10
verification: {mode: exact, samples: 2}
max_price_per_gpu_hour: 2gpu
deposit: 10gpu
max_duration: 10m
`, i, image))
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.Canonical()
	if err != nil {
		b.Fatal(err)
	}
	return string(c)
}

// BenchmarkSubmitToRunning is the devnet's shape: one in-process chain with
// the devnet's block time (chain.DefaultConfig, 1 s) and params, one
// provider node with the Docker driver and the default node config's
// runtime.poll_interval (1 s), running the example trainer. Each iteration
// submits a CPU job and polls the chain every 20 ms until the job is
// LEASED, RUNNING and has its first checkpoint on chain, then cancels it
// (the provider stops the container on its next poll; the iteration waits
// for that before the next). Latencies are from the CreateJob tx's
// inclusion (Send returns once the tx is in a block); send-to-inclusion is
// the time Send took. The baseline unit is the block time: each phase is
// also reported in blocks, from the heights in the job's history.
func BenchmarkSubmitToRunning(b *testing.B) {
	img := testimage.Trainer(b)
	opts := testnet.Options{Params: types.DevnetParams(), BlockTime: chain.DefaultConfig("").BlockTime}
	net := testnet.New(b, opts)
	cfg := node.DefaultConfig(filepath.Join(b.TempDir(), "provider1"))
	cfg.Key, cfg.KeyringDir = "provider1", net.Home
	cfg.Chain = node.ChainConfig{GRPC: net.Node.GRPCAddr, RPC: net.Node.RPCAddr}
	cfg.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Offer.Heartbeat = "10s" // as the devnet's provider
	poll, err := time.ParseDuration(cfg.Runtime.PollInterval)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := net.Client.Send(ctx, "provider1", &types.MsgStake{Staker: net.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin(types.Denom, 100_000_000)}); err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	nd, err := node.New(runCtx, cfg, node.Deps{GPUs: gpu.Null{Reason: "benchmark: CPU jobs only"}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		stop()
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- nd.Run(runCtx) }()
	b.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			b.Errorf("node run: %v", err)
		}
		if err := nd.Close(); err != nil {
			b.Errorf("node close: %v", err)
		}
	})
	provider := func() types.Provider {
		res, err := net.Client.Query.Provider(ctx, &types.QueryProviderRequest{Address: net.Addr("provider1")})
		if err != nil {
			return types.Provider{}
		}
		return res.Provider
	}
	waitFor := func(what string, within time.Duration, ok func() bool) {
		deadline := time.Now().Add(within)
		for !ok() {
			if time.Now().After(deadline) {
				b.Fatalf("timed out after %s waiting for %s", within, what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("provider1 registered with capacity", 60*time.Second, func() bool { return provider().Cpus > 0 })
	capacity := provider().FreeCpus
	blockMs := float64(opts.BlockTime) / float64(time.Millisecond)
	b.Logf("block time %s, poll interval %s, provider CPUs %d", opts.BlockTime, poll, capacity)

	var sumSend, sumLeased, sumRunning, sumCheckpoint time.Duration
	var blkLeased, blkRunning, blkCheckpoint int64
	i := 0
	for b.Loop() {
		i++
		spec := benchTrainerJob(b, img, i)
		sent := time.Now()
		res, err := net.Client.Send(ctx, "alice", &types.MsgCreateJob{Client: net.Addr("alice"), Spec: spec})
		if err != nil {
			b.Fatalf("create job: %v", err)
		}
		included := time.Now()
		id := res.Responses[0].(*types.MsgCreateJobResponse).JobId
		var leasedAt, runningAt, checkpointAt time.Time
		var j types.Job
		deadline := included.Add(90 * time.Second)
		for checkpointAt.IsZero() {
			q, err := net.Client.Query.Job(ctx, &types.QueryJobRequest{Id: id})
			if err != nil {
				b.Fatal(err)
			}
			j = q.Job
			now := time.Now()
			if leasedAt.IsZero() && j.Status != types.JOB_STATUS_PENDING {
				leasedAt = now
			}
			if runningAt.IsZero() && (j.Status == types.JOB_STATUS_RUNNING || len(j.Checkpoints) > 0) {
				runningAt = now
			}
			if len(j.Checkpoints) > 0 {
				checkpointAt = now
				break
			}
			if j.Status != types.JOB_STATUS_PENDING && j.Status != types.JOB_STATUS_LEASED && j.Status != types.JOB_STATUS_RUNNING {
				b.Fatalf("job %d is %s (reason %q) before its first checkpoint", id, j.Status, j.Reason)
			}
			if now.After(deadline) {
				b.Fatalf("job %d is %s after 90 s with no checkpoint", id, j.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := net.Client.Send(ctx, "alice", &types.MsgCancelJob{Client: net.Addr("alice"), JobId: id}); err != nil {
			b.Fatalf("cancel job %d: %v", id, err)
		}
		heights := map[types.JobStatus]int64{}
		for _, h := range j.History {
			if _, ok := heights[h.Status]; !ok {
				heights[h.Status] = h.Height
			}
		}
		sumSend += included.Sub(sent)
		sumLeased += leasedAt.Sub(included)
		sumRunning += runningAt.Sub(included)
		sumCheckpoint += checkpointAt.Sub(included)
		blkLeased += heights[types.JOB_STATUS_LEASED] - j.CreatedHeight
		blkRunning += heights[types.JOB_STATUS_RUNNING] - j.CreatedHeight
		blkCheckpoint += j.Checkpoints[0].Height - j.CreatedHeight
		b.Logf("job %d: send %s, then leased +%s, running +%s, first checkpoint (step %d) +%s; blocks %d/%d/%d",
			id, included.Sub(sent).Round(time.Millisecond), leasedAt.Sub(included).Round(time.Millisecond),
			runningAt.Sub(included).Round(time.Millisecond), j.Checkpoints[0].Step, checkpointAt.Sub(included).Round(time.Millisecond),
			heights[types.JOB_STATUS_LEASED]-j.CreatedHeight, heights[types.JOB_STATUS_RUNNING]-j.CreatedHeight, j.Checkpoints[0].Height-j.CreatedHeight)
		// The provider stops the container on its next poll; start the next
		// job on an idle provider.
		b.StopTimer()
		time.Sleep(2 * poll)
		waitFor("the provider's capacity back", 30*time.Second, func() bool { return provider().FreeCpus == capacity })
		b.StartTimer()
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
	b.ReportMetric(ms(sumSend), "send-to-inclusion-ms")
	b.ReportMetric(ms(sumLeased), "submit-to-leased-ms")
	b.ReportMetric(ms(sumRunning), "submit-to-running-ms")
	b.ReportMetric(ms(sumCheckpoint), "submit-to-first-checkpoint-ms")
	b.ReportMetric(blockMs, "block-ms")
	b.ReportMetric(float64(blkLeased)/n, "blocks-to-leased")
	b.ReportMetric(float64(blkRunning)/n, "blocks-to-running")
	b.ReportMetric(float64(blkCheckpoint)/n, "blocks-to-first-checkpoint")
}
