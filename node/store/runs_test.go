package store

import (
	"fmt"
	"path/filepath"
	"testing"

	gprt "github.com/gpunet/gpunet/runtime"
	"github.com/gpunet/gpunet/runtime/runner"
	"github.com/gpunet/gpunet/stake/jobspec"
)

func TestRunsSurviveReopen(t *testing.T) {
	spec, err := jobspec.ParseYAML(fmt.Appendf(nil, `name: r
image: sha256:%064x
command: [/trainer]
resources: {gpus: 0, cpus: 1, memory_mib: 64}
steps: 100
checkpoint_every: 50
verification: {mode: exact, samples: 1}
max_price_per_gpu_hour: 1gpu
deposit: 1gpu
max_duration: 1h
`, 1))
	if err != nil {
		t.Fatal(err)
	}
	rec := runner.Record{
		Version: runner.RecordVersion, State: runner.StateRunning, Driver: "docker", Attempt: 2,
		Job:         runner.Job{ID: "j1", Spec: spec, Image: spec.Image, Command: spec.Command, Seed: 4},
		Handle:      &gprt.TaskHandle{Version: gprt.HandleVersion, Driver: "docker", ID: "c1", JobID: "j1"},
		Checkpoints: []runner.Checkpoint{{Step: 50, Name: "step-00000050.safetensors", Root: fmt.Sprintf("%064x", 9), Size: 10, Chunks: 1}},
	}
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRun(rec); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.LoadRun("j1")
	if err != nil || !ok {
		t.Fatalf("load: %v %v", ok, err)
	}
	if got.Attempt != 2 || got.Handle.ID != "c1" || len(got.Checkpoints) != 1 || got.Job.Spec.Steps != 100 || got.Job.Seed != 4 {
		t.Fatalf("reloaded %+v", got)
	}
	all, err := s.ListRuns()
	if err != nil || len(all) != 1 {
		t.Fatalf("runs: %v %v", all, err)
	}
	if err := s.DeleteRun("j1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.LoadRun("j1"); ok {
		t.Fatal("deleted run still there")
	}
	// A record of a newer format is refused, not half-read.
	if err := s.Put(runsBucket, "j2", map[string]any{"version": 99}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LoadRun("j2"); err == nil {
		t.Fatal("record version 99 was read")
	}
}
