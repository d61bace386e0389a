package runner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testimage"
	gprt "github.com/gpunet/gpunet/runtime"
	"github.com/gpunet/gpunet/runtime/alloc"
	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/runtime/docker"
	rexec "github.com/gpunet/gpunet/runtime/exec"
	"github.com/gpunet/gpunet/runtime/watch"
	"github.com/gpunet/gpunet/stake/jobspec"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testimage.Cleanup()
	os.Exit(code)
}

// trainerSpec is the example trainer's spec: steps in periods of every, with
// extra env (e.g. the step delay).
func trainerSpec(t *testing.T, steps, every int64, env map[string]string) *jobspec.Spec {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name: runner-test\nimage: sha256:%064x\ncommand: [/trainer]\n", 1)
	fmt.Fprintf(&b, "resources: {gpus: 0, cpus: 1, memory_mib: 128, disk_mib: 16}\n")
	fmt.Fprintf(&b, "steps: %d\ncheckpoint_every: %d\nverification: {mode: exact, samples: 1}\n", steps, every)
	b.WriteString("max_price_per_gpu_hour: 1gpu\ndeposit: 10gpu\nmax_duration: 10m\n")
	if len(env) > 0 {
		b.WriteString("env:\n")
		for k, v := range env {
			fmt.Fprintf(&b, "  %s: %q\n", k, v)
		}
	}
	spec, err := jobspec.ParseYAML([]byte(b.String()))
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	return spec
}

// target is one driver the runner tests run against.
type target struct {
	name string
	// job fills in Image and Command for this driver.
	job    func(j Job) Job
	driver func(t *testing.T) gprt.Driver
}

func targets(t *testing.T) []target {
	binDir := t.TempDir()
	var once sync.Once
	var bin string
	return []target{
		{
			name: "docker",
			job: func(j Job) Job {
				j.Image = testimage.Trainer(t)
				j.Command = []string{"/trainer"}
				return j
			},
			driver: func(t *testing.T) gprt.Driver {
				testimage.Engine(t)
				d, err := docker.New(docker.DefaultConfig())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			},
		},
		{
			name: "exec",
			job: func(j Job) Job {
				once.Do(func() { bin = testimage.TrainerBinary(t, binDir) })
				j.Image, j.Command = bin, nil
				return j
			},
			driver: func(t *testing.T) gprt.Driver {
				d, err := rexec.New(rexec.Config{StateDir: filepath.Join(binDir, "exec-state")})
				if err != nil {
					t.Fatal(err)
				}
				return d
			},
		},
	}
}

// harness is a runner over one driver with in-memory stores that outlive it,
// as the bbolt store outlives a daemon.
type harness struct {
	t       *testing.T
	workDir string
	store   *MemStore
	allocs  *alloc.MemStore
	logs    *bytes.Buffer
	mu      sync.Mutex
	hooked  []Checkpoint
	maxStep int64
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, workDir: t.TempDir(), store: NewMemStore(), allocs: alloc.NewMemStore(), logs: new(bytes.Buffer)}
}

// runner builds a fresh Runner, as a restarted daemon does.
func (h *harness) runner(d gprt.Driver) *Runner {
	h.t.Helper()
	a, err := alloc.New(h.allocs, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := DefaultConfig(h.workDir)
	cfg.StopTimeout = 5 * time.Second
	r, err := New(cfg, d, h.store, a, WithLogger(slog.New(slog.NewTextHandler(&syncWriter{w: h.logs, mu: &h.mu}, nil))),
		WithHooks(Hooks{
			Checkpoint: func(_ context.Context, _ string, c Checkpoint) {
				h.mu.Lock()
				h.hooked = append(h.hooked, c)
				h.mu.Unlock()
			},
			Progress: func(_ string, p Progress) {
				h.mu.Lock()
				h.maxStep = max(h.maxStep, p.Step)
				h.mu.Unlock()
			},
		}))
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

type syncWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// waitCheckpoint polls the store until the run has committed step.
func (h *harness) waitCheckpoint(jobID string, step int64) Record {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		rec, ok, err := h.store.LoadRun(jobID)
		if err != nil {
			h.t.Fatal(err)
		}
		if ok {
			for _, c := range rec.Checkpoints {
				if c.Step >= step {
					return rec
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("no checkpoint for step %d within 60s\n%s", step, h.logs)
	return Record{}
}

// checkCommitted checks that every step is committed with the root of the
// file on disk.
func checkCommitted(t *testing.T, r *Runner, rec Record, steps ...int64) {
	t.Helper()
	if len(rec.Checkpoints) != len(steps) {
		t.Fatalf("checkpoints %+v, want steps %v", rec.Checkpoints, steps)
	}
	for i, c := range rec.Checkpoints {
		if c.Step != steps[i] {
			t.Fatalf("checkpoint %d is step %d, want %d", i, c.Step, steps[i])
		}
		got, _, err := commit.File(context.Background(), filepath.Join(r.CheckpointDir(rec.Job.ID), c.Name), 2)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hex() != c.Root {
			t.Fatalf("step %d: recorded root %s, file's root %s", c.Step, c.Root, got.Hex())
		}
	}
}

func readCheckpoint(t *testing.T, r *Runner, jobID string, step int64) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.CheckpointDir(jobID), watch.Name(step)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
