package runner

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"sync"
	"syscall"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
	"github.com/gpunet/gpunet/runtime/watch"
)

// run is one job's record while the runner works on it. The watcher's
// goroutine and the supervising one both change it, under mu.
type run struct {
	r   *Runner
	mu  sync.Mutex
	rec Record
}

// save persists the record; callers hold no lock.
func (rn *run) save() error {
	rn.mu.Lock()
	rec := rn.rec
	rn.mu.Unlock()
	if err := rn.r.store.SaveRun(rec); err != nil {
		return fmt.Errorf("save run %s: %w", rec.Job.ID, err)
	}
	return nil
}

// setState persists a new state and tells the hook.
func (rn *run) setState(s State) error {
	rn.mu.Lock()
	rn.rec.State = s
	attempt := rn.rec.Attempt
	rn.mu.Unlock()
	if err := rn.save(); err != nil {
		return err
	}
	if h := rn.r.hooks.State; h != nil {
		h(rn.rec.Job.ID, s, attempt)
	}
	return nil
}

func (rn *run) snapshot() Record {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.rec
}

// fail ends the run as failed with cause, releasing what it held.
func (rn *run) fail(ctx context.Context, cause error) (Record, error) {
	rn.mu.Lock()
	rn.rec.Error = cause.Error()
	rn.mu.Unlock()
	rn.r.finish(ctx, rn)
	err := rn.setState(StateFailed)
	rn.r.log.WarnContext(ctx, "job failed", "job", rn.rec.Job.ID, "err", cause)
	return rn.snapshot(), errors.Join(fmt.Errorf("job %s: %w: %w", rn.rec.Job.ID, ErrFailed, cause), err)
}

// finish removes the task and frees the GPUs of a run that ended or stopped.
func (r *Runner) finish(ctx context.Context, rn *run) {
	rec := rn.snapshot()
	if rec.Handle != nil {
		if err := r.driver.Destroy(context.WithoutCancel(ctx), rec.Handle.ID); err != nil {
			r.log.WarnContext(ctx, "remove task", "job", rec.Job.ID, "task", rec.Handle.ID, "err", err)
		}
	}
	if err := r.gpus.Release(rec.Job.ID); err != nil {
		r.log.WarnContext(ctx, "release GPUs", "job", rec.Job.ID, "err", err)
	}
}

// supervise runs attempts until the job ends. start says whether a task
// must be started first (false: the record's task was recovered).
func (r *Runner) supervise(ctx context.Context, rn *run, start bool) (Record, error) {
	job := rn.rec.Job
	end := job.End()
	for {
		if start {
			if last, ok := rn.snapshot().Last(); ok && last.Step == end {
				// The final checkpoint is committed: the task that wrote it
				// was lost before its exit was seen. Nothing is left to run.
				r.finish(ctx, rn)
				err := rn.setState(StateSucceeded)
				return rn.snapshot(), err
			}
			if err := r.startAttempt(ctx, rn); err != nil {
				return rn.fail(ctx, err)
			}
		}
		exit, err := r.follow(ctx, rn)
		if err != nil {
			if ctx.Err() != nil {
				// The caller is going away; the task runs on and Resume
				// finds it again.
				return rn.snapshot(), ctx.Err()
			}
			return rn.fail(ctx, err)
		}
		rec := rn.snapshot()
		rn.mu.Lock()
		rn.rec.Exit = &exit
		rn.mu.Unlock()
		last, haveLast := rec.Last()
		done := haveLast && last.Step == end
		switch {
		case r.takeStopping(job.ID):
			r.finish(ctx, rn)
			if err := rn.setState(StateStopped); err != nil {
				return rn.snapshot(), err
			}
			return rn.snapshot(), fmt.Errorf("job %s: %w at step %d", job.ID, ErrStopped, rec.LastStep())
		case exit.Successful() && done, unknownExit(exit) && done:
			r.finish(ctx, rn)
			r.log.InfoContext(ctx, "job succeeded", "job", job.ID, "checkpoints", len(rec.Checkpoints), "attempts", rec.Attempt)
			err := rn.setState(StateSucceeded)
			return rn.snapshot(), err
		case exit.Successful():
			return rn.fail(ctx, fmt.Errorf("task exited 0 without its final checkpoint %s", watch.Name(end)))
		case (killedFromOutside(exit) || unknownExit(exit)) && rec.Attempt <= r.cfg.MaxRestarts:
			r.log.WarnContext(ctx, "task was killed; resuming from the last checkpoint", "job", job.ID,
				"exit", describeExit(exit), "from_step", rec.LastStep(), "attempt", rec.Attempt)
			if rec.Handle != nil {
				if err := r.driver.Destroy(context.WithoutCancel(ctx), rec.Handle.ID); err != nil {
					r.log.WarnContext(ctx, "remove task", "job", job.ID, "err", err)
				}
			}
			if err := rn.setState(StateRestarting); err != nil {
				return rn.snapshot(), err
			}
			start = true
		default:
			return rn.fail(ctx, fmt.Errorf("task %s", describeExit(exit)))
		}
	}
}

// killedFromOutside is a task ended by a signal it did not raise itself
// (docker stop, kill, a host reboot) and not by the memory limit: the job
// was not at fault, so it is resumed.
func killedFromOutside(e gprt.ExitResult) bool {
	if e.OOMKilled {
		return false
	}
	switch syscall.Signal(e.Signal) {
	case syscall.SIGTERM, syscall.SIGKILL, syscall.SIGINT, syscall.SIGHUP:
		return true
	}
	return false
}

// unknownExit is a task whose exit status could not be observed (a process
// the exec driver recovered after a restart).
func unknownExit(e gprt.ExitResult) bool { return e.ExitCode == -1 && e.Err != "" }

func describeExit(e gprt.ExitResult) string {
	switch {
	case e.OOMKilled:
		return fmt.Sprintf("was killed at its memory limit (exit code %d); raise resources.memory_mib", e.ExitCode)
	case e.Signal != 0:
		return fmt.Sprintf("was killed by signal %d (%s)", e.Signal, syscall.Signal(e.Signal))
	case e.Err != "":
		return fmt.Sprintf("ended with exit code %d: %s", e.ExitCode, e.Err)
	}
	return fmt.Sprintf("exited with code %d", e.ExitCode)
}

// startAttempt starts a task from the last committed checkpoint (or from
// the job's own start).
func (r *Runner) startAttempt(ctx context.Context, rn *run) error {
	rec := rn.snapshot()
	job := rec.Job
	from := job.StartStep
	if last, ok := rec.Last(); ok {
		from = last.Step
	}
	resume := ""
	if from > 0 {
		resume = path.Join(gprt.ContainerCheckpointDir, watch.Name(from))
	}
	spec := job.Spec
	cfg := gprt.TaskConfig{
		JobID:         job.ID,
		Segment:       fmt.Sprintf("%d-%d", job.StartStep, job.End()),
		Image:         job.Image,
		Command:       job.Command,
		Env:           spec.Env,
		GPUUUIDs:      rec.GPUs,
		CPUs:          int(spec.Resources.CPUs),
		MemoryMiB:     spec.Resources.MemoryMiB,
		CheckpointDir: r.CheckpointDir(job.ID),
		Owner:         r.cfg.owner(),
		Contract: gprt.Contract{StartStep: from, EndStep: job.End(), CheckpointEvery: spec.CheckpointEvery,
			ResumeFrom: resume, Seed: job.Seed},
	}
	if len(spec.Inputs) > 0 {
		cfg.InputDir = r.inputDir(job.ID)
	}
	rn.mu.Lock()
	rn.rec.Attempt++
	rn.rec.Handle = nil
	rn.rec.Exit = nil
	rn.mu.Unlock()
	if err := rn.setState(StateStarting); err != nil {
		return err
	}
	h, err := r.driver.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("start task: %w", err)
	}
	rn.mu.Lock()
	rn.rec.Handle = h
	rn.mu.Unlock()
	r.log.InfoContext(ctx, "task started", "job", job.ID, "task", h.ID, "attempt", rn.snapshot().Attempt, "from_step", from)
	return rn.setState(StateRunning)
}

// follow watches the running task's checkpoints and logs until it exits.
func (r *Runner) follow(ctx context.Context, rn *run) (gprt.ExitResult, error) {
	rec := rn.snapshot()
	job := rec.Job
	taskID := rec.Handle.ID
	w, err := watch.New(watch.Config{Dir: r.CheckpointDir(job.ID), MaxBytes: job.Spec.Resources.DiskMiB << 20, Workers: r.cfg.HashWorkers},
		watch.WithLogger(r.log))
	if err != nil {
		return gprt.ExitResult{}, fmt.Errorf("watch checkpoints: %w", err)
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := w.Run(fctx, func(res watch.Result) { r.onCheckpoint(fctx, rn, res) }); err != nil {
			r.log.WarnContext(ctx, "checkpoint watcher stopped", "job", job.ID, "err", err)
		}
	}()
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		r.pumpLogs(fctx, rn, taskID, rec.Attempt)
	}()

	exit, werr := r.driver.Wait(ctx, taskID)
	if werr == nil {
		// Logs end when the task does; bound the wait in case the engine
		// keeps the stream open.
		select {
		case <-logsDone:
		case <-time.After(5 * time.Second):
		}
	}
	cancel()
	wg.Wait()
	<-logsDone
	if werr != nil {
		return gprt.ExitResult{}, werr
	}
	// Files renamed into place just before the exit may not have been seen.
	res, err := w.Scan(context.WithoutCancel(ctx))
	if err != nil {
		return exit, fmt.Errorf("scan checkpoints: %w", err)
	}
	for _, x := range res {
		r.onCheckpoint(ctx, rn, x)
	}
	return exit, nil
}

// onCheckpoint records one watcher result and calls the hook for a new
// checkpoint. Files outside (start, end] are not the run's (the checkpoint
// it resumed from); a rejected file is recorded with its reason.
func (r *Runner) onCheckpoint(ctx context.Context, rn *run, res watch.Result) {
	job := rn.snapshot().Job
	if res.Err != nil {
		r.log.WarnContext(ctx, "checkpoint rejected", "job", job.ID, "file", res.Name, "err", res.Err)
		rn.mu.Lock()
		rn.rec.Rejected[res.Name] = res.Err.Error()
		rn.mu.Unlock()
		if err := rn.save(); err != nil {
			r.log.ErrorContext(ctx, "save run", "job", job.ID, "err", err)
		}
		return
	}
	cp := res.Checkpoint
	if cp.Step <= job.StartStep || cp.Step > job.End() {
		return
	}
	c := Checkpoint{Step: cp.Step, Name: cp.Name, Root: hex.EncodeToString(cp.Root), Size: cp.Size, Chunks: cp.Chunks}
	rn.mu.Lock()
	added, err := rn.rec.addCheckpoint(c)
	rn.mu.Unlock()
	if err != nil {
		r.log.ErrorContext(ctx, "checkpoint changed under the runner", "job", job.ID, "err", err)
		return
	}
	if !added {
		return
	}
	if err := rn.save(); err != nil {
		r.log.ErrorContext(ctx, "save run", "job", job.ID, "err", err)
	}
	r.log.InfoContext(ctx, "checkpoint committed", "job", job.ID, "step", c.Step, "root", c.Root, "bytes", c.Size)
	if h := r.hooks.Checkpoint; h != nil {
		h(ctx, job.ID, c)
	}
}
