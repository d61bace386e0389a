package leases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/runtime/runner"
	"github.com/gpunet/gpunet/runtime/watch"
	"github.com/gpunet/gpunet/stake/types"
)

// Chain is what the worker needs of the chain.
type Chain interface {
	// Leases returns the jobs leased to this provider now.
	Leases(ctx context.Context) ([]types.Job, error)
	Job(ctx context.Context, id uint64) (types.Job, error)
	// Send signs msgs with the provider's key and waits for inclusion.
	Send(ctx context.Context, msgs ...sdk.Msg) error
}

// CheckpointFetcher gets a checkpoint another provider committed.
type CheckpointFetcher interface {
	Fetch(ctx context.Context, job types.Job, cp types.Checkpoint, dst string) error
}

// Config configures a Worker.
type Config struct {
	// Address is the provider's chain address.
	Address string
	// PollInterval is how often the chain's leases are read.
	PollInterval time.Duration
	// FetchDir holds checkpoints fetched from other providers.
	FetchDir string
}

// Worker runs the jobs leased to this provider.
type Worker struct {
	cfg   Config
	chain Chain
	run   *runner.Runner
	fetch CheckpointFetcher
	log   *slog.Logger

	mu     sync.Mutex
	active map[uint64]*active
	wg     sync.WaitGroup
}

type active struct {
	cancel context.CancelFunc
	done   chan struct{}
	// stopping is set when the chain took the job away.
	stopping bool
}

// New returns a worker. The runner's Checkpoint hook must call
// OnCheckpoint (the node wires both).
func New(cfg Config, chain Chain, r *runner.Runner, fetch CheckpointFetcher, log *slog.Logger) *Worker {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	return &Worker{cfg: cfg, chain: chain, run: r, fetch: fetch, log: log.With("part", "leases"), active: map[uint64]*active{}}
}

// RunnerID is the runner's name for a chain job.
func RunnerID(jobID uint64) string { return "job-" + strconv.FormatUint(jobID, 10) }

// ChainID is the chain job of a runner name.
func ChainID(runnerID string) (uint64, bool) {
	s, ok := strings.CutPrefix(runnerID, "job-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id > 0
}

// Run acts on the leases until ctx ends. Jobs it started keep running when
// it returns (their containers outlive the daemon); the next Run picks them
// up again.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	w.abandonLost(ctx)
	for {
		w.sync(ctx)
		select {
		case <-ctx.Done():
			w.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// sync compares the chain's leases with the jobs running here.
func (w *Worker) sync(ctx context.Context) {
	jobs, err := w.chain.Leases(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.WarnContext(ctx, "read leases", "err", err)
		}
		return
	}
	leased := map[uint64]bool{}
	for _, j := range jobs {
		leased[j.Id] = true
		w.mu.Lock()
		_, running := w.active[j.Id]
		w.mu.Unlock()
		if running {
			continue
		}
		// Everything the run needs (the checkpoint it resumes from) is
		// fetched before the lease is accepted: a lease this provider cannot
		// start is left to lapse rather than accepted and failed.
		rj, err := w.prepare(ctx, j)
		if err != nil {
			w.log.WarnContext(ctx, "cannot start the job yet; will retry", "job", j.Id, "err", err)
			continue
		}
		if j.Status == types.JOB_STATUS_LEASED {
			if err := w.chain.Send(ctx, &types.MsgAcceptLease{Provider: w.cfg.Address, JobId: j.Id}); err != nil {
				w.log.WarnContext(ctx, "accept lease", "job", j.Id, "err", err)
				continue
			}
			w.log.InfoContext(ctx, "lease accepted", "job", j.Id, "from_step", j.Lease.StartStep)
		}
		w.start(ctx, j, rj)
	}
	w.mu.Lock()
	var gone []uint64
	for id, a := range w.active {
		if !leased[id] && !a.stopping {
			a.stopping = true
			gone = append(gone, id)
		}
	}
	w.mu.Unlock()
	slices.Sort(gone)
	for _, id := range gone {
		// Not leased here any more: cancelled, lost, or just completed
		// (then the run has ended and Stop does nothing).
		if err := w.run.Stop(ctx, RunnerID(id)); err != nil && !errors.Is(err, runner.ErrNoRun) {
			w.log.WarnContext(ctx, "stop a job no longer leased here", "job", id, "err", err)
		}
	}
}

// abandonLost ends the runs left from before a restart whose jobs are no
// longer leased here, so their tasks stop and their GPUs are free.
func (w *Worker) abandonLost(ctx context.Context) {
	recs, err := w.run.Records()
	if err != nil {
		w.log.WarnContext(ctx, "read run records", "err", err)
		return
	}
	jobs, err := w.chain.Leases(ctx)
	if err != nil {
		return // the next start tries again; a live lease is never abandoned blind
	}
	leased := map[uint64]bool{}
	for _, j := range jobs {
		leased[j.Id] = true
	}
	for _, rec := range recs {
		id, ok := ChainID(rec.Job.ID)
		if !ok || leased[id] || rec.State.Terminal() || rec.State == runner.StateStopped {
			continue
		}
		if err := w.run.Abandon(ctx, rec.Job.ID); err != nil {
			w.log.WarnContext(ctx, "abandon a run the chain moved elsewhere", "job", id, "err", err)
			continue
		}
		w.log.InfoContext(ctx, "abandoned a run the chain moved elsewhere while this node was down", "job", id)
	}
}

// start runs job in its own goroutine.
func (w *Worker) start(ctx context.Context, job types.Job, rj runner.Job) {
	jctx, cancel := context.WithCancel(ctx)
	a := &active{cancel: cancel, done: make(chan struct{})}
	w.mu.Lock()
	w.active[job.Id] = a
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer close(a.done)
		defer func() {
			w.mu.Lock()
			delete(w.active, job.Id)
			w.mu.Unlock()
			cancel()
		}()
		w.runJob(jctx, job, rj)
	}()
}

// prepare makes the runner's job for a lease: an earlier, finished run of
// the job here is forgotten (the job was placed here again), and the
// checkpoint the lease starts from is fetched if this provider lacks it.
func (w *Worker) prepare(ctx context.Context, job types.Job) (runner.Job, error) {
	if old, ok, err := w.run.Record(RunnerID(job.Id)); err == nil && ok && old.State.Terminal() {
		if err := w.run.Forget(RunnerID(job.Id)); err != nil {
			return runner.Job{}, fmt.Errorf("forget the previous run: %w", err)
		}
	}
	return w.runnerJob(ctx, job)
}

func (w *Worker) runJob(ctx context.Context, job types.Job, rj runner.Job) {
	log := w.log.With("job", job.Id)
	rec, err := w.run.Run(ctx, rj)
	switch {
	case ctx.Err() != nil:
		return // the daemon is stopping; the task runs on
	case errors.Is(err, runner.ErrStopped):
		log.InfoContext(ctx, "job stopped: the chain no longer leases it here")
	case rec.State == runner.StateSucceeded:
		w.complete(ctx, job, rec)
	case errors.Is(err, runner.ErrFailed):
		w.failOnChain(ctx, job.Id, rec.Error)
	case err != nil:
		log.ErrorContext(ctx, "run", "err", err)
	}
}

// runnerJob turns a lease into the runner's job, fetching the checkpoint it
// resumes from when another provider committed it.
func (w *Worker) runnerJob(ctx context.Context, job types.Job) (runner.Job, error) {
	spec, err := types.ParseJobSpec(job.Spec)
	if err != nil {
		return runner.Job{}, err
	}
	rj := runner.Job{ID: RunnerID(job.Id), Spec: spec, Image: spec.Image, Command: spec.Command, Seed: job.Seed, StartStep: job.Lease.StartStep}
	if rj.StartStep == 0 {
		return rj, nil
	}
	var cp *types.Checkpoint
	for i := range job.Checkpoints {
		if job.Checkpoints[i].Step == rj.StartStep {
			cp = &job.Checkpoints[i]
		}
	}
	if cp == nil {
		return rj, fmt.Errorf("lease starts at step %d, which has no committed checkpoint", rj.StartStep)
	}
	local := filepath.Join(w.run.CheckpointDir(rj.ID), watch.Name(rj.StartStep))
	if _, err := os.Stat(local); err == nil {
		rj.ResumeFrom = local
		return rj, nil
	}
	if err := os.MkdirAll(w.cfg.FetchDir, 0o700); err != nil {
		return rj, err
	}
	dst := filepath.Join(w.cfg.FetchDir, fmt.Sprintf("job-%d-step-%08d.safetensors", job.Id, rj.StartStep))
	if err := w.fetch.Fetch(ctx, job, *cp, dst); err != nil {
		return rj, fmt.Errorf("fetch checkpoint of step %d from %s: %w", cp.Step, cp.Provider, err)
	}
	rj.ResumeFrom = dst
	return rj, nil
}

// OnCheckpoint is the runner's Checkpoint hook: it commits each checkpoint
// but the last on chain (the last goes with CompleteJob).
func (w *Worker) OnCheckpoint(ctx context.Context, runnerID string, c runner.Checkpoint) {
	id, ok := ChainID(runnerID)
	if !ok {
		return
	}
	w.report(ctx, id, []runner.Checkpoint{c}, false)
}

// report sends the checkpoints the chain does not have yet. With final the
// last one is left for CompleteJob.
func (w *Worker) report(ctx context.Context, id uint64, cps []runner.Checkpoint, final bool) {
	job, err := w.chain.Job(ctx, id)
	if err != nil {
		w.log.WarnContext(ctx, "read job before reporting", "job", id, "err", err)
		return
	}
	spec, err := types.ParseJobSpec(job.Spec)
	if err != nil {
		return
	}
	last := int64(0)
	if n := len(job.Checkpoints); n > 0 {
		last = job.Checkpoints[n-1].Step
	}
	var reports []types.CheckpointReport
	for _, c := range cps {
		if c.Step <= last || c.Step == spec.Steps {
			continue
		}
		root, err := c.RootBytes()
		if err != nil {
			continue
		}
		reports = append(reports, types.CheckpointReport{Step: c.Step, Root: root})
	}
	for len(reports) > 0 {
		n := min(len(reports), types.MaxReportsPerMsg)
		if err := w.chain.Send(ctx, &types.MsgReportCheckpoints{Provider: w.cfg.Address, JobId: id, Checkpoints: reports[:n]}); err != nil {
			w.log.WarnContext(ctx, "report checkpoints", "job", id, "err", err)
			return
		}
		reports = reports[n:]
	}
}

// complete reports what the chain lacks and commits the final checkpoint.
func (w *Worker) complete(ctx context.Context, job types.Job, rec runner.Record) {
	last, ok := rec.Last()
	if !ok {
		return
	}
	w.report(ctx, job.Id, rec.Checkpoints, true)
	root, err := last.RootBytes()
	if err != nil {
		w.log.ErrorContext(ctx, "final checkpoint", "job", job.Id, "err", err)
		return
	}
	msg := &types.MsgCompleteJob{Provider: w.cfg.Address, JobId: job.Id, Final: types.CheckpointReport{Step: last.Step, Root: root}}
	if err := w.chain.Send(ctx, msg); err != nil {
		w.log.ErrorContext(ctx, "complete job", "job", job.Id, "err", err)
		return
	}
	w.log.InfoContext(ctx, "job completed", "job", job.Id, "final_step", last.Step, "root", last.Root)
}

func (w *Worker) failOnChain(ctx context.Context, id uint64, reason string) {
	if len(reason) > types.MaxReasonLen {
		reason = reason[:types.MaxReasonLen]
	}
	if reason == "" {
		reason = "the task failed"
	}
	if err := w.chain.Send(ctx, &types.MsgFailJob{Provider: w.cfg.Address, JobId: id, Reason: reason}); err != nil {
		w.log.ErrorContext(ctx, "fail job on chain", "job", id, "err", err)
	}
}
