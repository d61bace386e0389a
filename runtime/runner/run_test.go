package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/runtime/docker"
	"github.com/gpunet/gpunet/runtime/watch"
)

// The example trainer runs to completion through each driver, and every
// checkpoint is committed once, with the root of the file on disk.
func TestTrainerRunsToCompletion(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.runner(tg.driver(t))
			job := tg.job(Job{ID: "full-" + tg.name, Spec: trainerSpec(t, 200, 50, nil), Seed: 7})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rec, err := r.Run(ctx, job)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, h.logs)
			}
			if rec.State != StateSucceeded || rec.Attempt != 1 {
				t.Fatalf("state %s after %d attempts", rec.State, rec.Attempt)
			}
			checkCommitted(t, r, rec, 50, 100, 150, 200)
			if len(h.hooked) != 4 || h.maxStep != 200 {
				t.Fatalf("hooks saw %d checkpoints and progress to step %d", len(h.hooked), h.maxStep)
			}
			logs, err := os.ReadFile(r.LogPath(job.ID, 1))
			if err != nil || !bytes.Contains(logs, []byte(`{"step":200,`)) {
				t.Fatalf("log file: %v\n%s", err, logs)
			}
			// A finished run is not started again.
			if _, err := r.Run(ctx, job); !errors.Is(err, ErrFinished) {
				t.Fatalf("second run: %v, want ErrFinished", err)
			}
		})
	}
}

// Steps [100, 150) run from the checkpoint at 100 give the bytes of the
// uninterrupted run at 150, through each driver.
func TestSegmentReplayIsByteIdentical(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.runner(tg.driver(t))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			spec := trainerSpec(t, 200, 50, nil)
			full, err := r.Run(ctx, tg.job(Job{ID: "full", Spec: spec, Seed: 11}))
			if err != nil {
				t.Fatalf("full run: %v\n%s", err, h.logs)
			}
			from := filepath.Join(r.CheckpointDir("full"), watch.Name(100))
			seg, err := r.Run(ctx, tg.job(Job{ID: "segment", Spec: spec, Seed: 11, StartStep: 100, EndStep: 150, ResumeFrom: from}))
			if err != nil {
				t.Fatalf("segment run: %v\n%s", err, h.logs)
			}
			checkCommitted(t, r, seg, 150)
			if !bytes.Equal(readCheckpoint(t, r, "full", 150), readCheckpoint(t, r, "segment", 150)) {
				t.Fatal("step 150 replayed from step 100 differs from the uninterrupted run")
			}
			if seg.Checkpoints[0].Root != full.Checkpoints[2].Root {
				t.Fatalf("roots differ: %s vs %s", seg.Checkpoints[0].Root, full.Checkpoints[2].Root)
			}
		})
	}
}

// The runner goes away mid-job (its context ends, as when the daemon
// dies); a new runner with a new driver re-attaches to the same task, keeps
// every checkpoint, and never starts a second copy.
func TestResumeReattachesToRunningTask(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			h := newHarness(t)
			spec := trainerSpec(t, 200, 50, map[string]string{"TRAINER_STEP_DELAY": "15ms"})
			job := tg.job(Job{ID: "reattach-" + tg.name, Spec: spec, Seed: 3})
			ctx1, die := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { _, err := h.runner(tg.driver(t)).Run(ctx1, job); done <- err }()
			before := h.waitCheckpoint(job.ID, 50)
			die()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("first runner: %v", err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			r2 := h.runner(tg.driver(t))
			rec, err := r2.Resume(ctx, job.ID)
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, h.logs)
			}
			if rec.State != StateSucceeded || rec.Attempt != 1 || rec.Handle.ID != before.Handle.ID {
				t.Fatalf("state %s, attempt %d, task %s (was %s): want the same task to finish", rec.State, rec.Attempt, rec.Handle.ID, before.Handle.ID)
			}
			if !strings.Contains(h.logs.String(), "re-attached to task") {
				t.Fatalf("no re-attach logged:\n%s", h.logs)
			}
			checkCommitted(t, r2, rec, 50, 100, 150, 200)
		})
	}
}

// A container stopped from outside is replaced by a new one that resumes
// from the last committed checkpoint; the final checkpoint is the bytes of
// an uninterrupted run.
func TestStoppedContainerResumesFromLastCheckpoint(t *testing.T) {
	cli := testimage.Engine(t)
	tg := targets(t)[0]
	h := newHarness(t)
	r := h.runner(tg.driver(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ref, err := r.Run(ctx, tg.job(Job{ID: "reference", Spec: trainerSpec(t, 200, 50, nil), Seed: 5}))
	if err != nil {
		t.Fatalf("reference run: %v", err)
	}
	spec := trainerSpec(t, 200, 50, map[string]string{"TRAINER_STEP_DELAY": "15ms"})
	job := tg.job(Job{ID: "stopped", Spec: spec, Seed: 5})
	done := make(chan error, 1)
	var rec Record
	go func() { var err error; rec, err = r.Run(ctx, job); done <- err }()
	first := h.waitCheckpoint(job.ID, 50)
	timeout := 0
	if err := cli.ContainerStop(ctx, first.Handle.ID, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatalf("docker stop: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, h.logs)
	}
	if rec.State != StateSucceeded || rec.Attempt != 2 {
		t.Fatalf("state %s after %d attempts, want succeeded after 2", rec.State, rec.Attempt)
	}
	checkCommitted(t, r, rec, 50, 100, 150, 200)
	for i := range rec.Checkpoints {
		if rec.Checkpoints[i].Root != ref.Checkpoints[i].Root {
			t.Fatalf("step %d: root %s, uninterrupted run %s", rec.Checkpoints[i].Step, rec.Checkpoints[i].Root, ref.Checkpoints[i].Root)
		}
	}
	// Every container of the job is gone once it succeeded.
	left, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelJob+"=stopped"), filters.Arg("label", docker.LabelOwner+"="+OwnerOf(h.workDir)))})
	if err != nil || len(left) != 0 {
		t.Fatalf("containers left: %v %v", left, err)
	}
}

// Stop ends a run with ErrStopped and keeps its checkpoints; Resume goes on
// from the last one in a new task.
func TestStopThenResume(t *testing.T) {
	tg := targets(t)[1]
	h := newHarness(t)
	r := h.runner(tg.driver(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	job := tg.job(Job{ID: "stop", Spec: trainerSpec(t, 200, 50, map[string]string{"TRAINER_STEP_DELAY": "10ms"}), Seed: 9})
	done := make(chan error, 1)
	go func() { _, err := r.Run(ctx, job); done <- err }()
	h.waitCheckpoint(job.ID, 50)
	if err := r.Stop(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrStopped) {
		t.Fatalf("run after stop: %v", err)
	}
	rec, err := r.Resume(ctx, job.ID)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, h.logs)
	}
	if rec.State != StateSucceeded || rec.Attempt != 2 {
		t.Fatalf("state %s after %d attempts", rec.State, rec.Attempt)
	}
	checkCommitted(t, r, rec, 50, 100, 150, 200)
}

// A task that exits non-zero fails the run and releases what it held.
func TestFailingTaskFails(t *testing.T) {
	tg := targets(t)[0]
	h := newHarness(t)
	r := h.runner(tg.driver(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	job := tg.job(Job{ID: "bad", Spec: trainerSpec(t, 100, 50, nil), Seed: 1})
	job.Command = []string{"/trainer", "--cheat-segment=nope"}
	rec, err := r.Run(ctx, job)
	if !errors.Is(err, ErrFailed) || rec.State != StateFailed || !strings.Contains(rec.Error, "exited with code 2") {
		t.Fatalf("run: %v, state %s, error %q", err, rec.State, rec.Error)
	}
	if rec.Attempt != 1 {
		t.Fatalf("a job's own failure was retried: %d attempts", rec.Attempt)
	}
}

// The runner's records are lost mid-job (a deleted store): running the job
// again adopts its container by its labels instead of starting a second
// copy, and finishes with every checkpoint.
func TestLostRecordsAdoptTheRunningContainer(t *testing.T) {
	cli := testimage.Engine(t)
	tg := targets(t)[0]
	h := newHarness(t)
	spec := trainerSpec(t, 200, 50, map[string]string{"TRAINER_STEP_DELAY": "15ms"})
	job := tg.job(Job{ID: "adopt", Spec: spec, Seed: 2})
	ctx1, die := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := h.runner(tg.driver(t)).Run(ctx1, job); done <- err }()
	before := h.waitCheckpoint(job.ID, 50)
	die()
	<-done

	h.store = NewMemStore() // the records are gone
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := h.runner(tg.driver(t))
	rec, err := r.Run(ctx, job)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, h.logs)
	}
	if rec.Handle.ID != before.Handle.ID || rec.Attempt != 1 {
		t.Fatalf("task %s attempt %d, want the adopted %s", rec.Handle.ID, rec.Attempt, before.Handle.ID)
	}
	checkCommitted(t, r, rec, 50, 100, 150, 200)
	left, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelJob+"=adopt"), filters.Arg("label", docker.LabelOwner+"="+OwnerOf(h.workDir)))})
	if err != nil || len(left) != 0 {
		t.Fatalf("containers left: %v %v", left, err)
	}
}

// Abandon ends a run the machine no longer owns: the task stops, the record
// says stopped and keeps its checkpoints.
func TestAbandonStopsTheTask(t *testing.T) {
	tg := targets(t)[1]
	h := newHarness(t)
	job := tg.job(Job{ID: "abandon", Spec: trainerSpec(t, 200, 50, map[string]string{"TRAINER_STEP_DELAY": "20ms"}), Seed: 4})
	ctx1, die := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := h.runner(tg.driver(t)).Run(ctx1, job); done <- err }()
	h.waitCheckpoint(job.ID, 50)
	die()
	<-done
	r := h.runner(tg.driver(t))
	if err := r.Abandon(context.Background(), job.ID); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := r.Record(job.ID)
	if rec.State != StateStopped || len(rec.Checkpoints) == 0 {
		t.Fatalf("state %s with %d checkpoints", rec.State, len(rec.Checkpoints))
	}
	recs, err := r.Records()
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %v %v", recs, err)
	}
	// The task is gone: the run would have reached step 200 within 4 s.
	time.Sleep(4500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(r.CheckpointDir(job.ID), watch.Name(200))); err == nil {
		t.Fatal("the abandoned task kept running to its end")
	}
}
