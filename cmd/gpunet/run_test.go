package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/runtime/docker"
	"github.com/gpunet/gpunet/runtime/runner"
)

// The test binary doubles as the gpunet binary, so a test can run gpunet
// as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("GPUNET_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	testimage.Cleanup()
	os.Exit(code)
}

// writeSpec writes the trainer's spec with extra env lines.
func writeSpec(t *testing.T, name string, env ...string) string {
	t.Helper()
	spec := fmt.Sprintf(`name: %s
image: sha256:%064x
command: [/trainer]
resources: {gpus: 0, cpus: 1, memory_mib: 128, disk_mib: 16}
steps: 200
checkpoint_every: 50
verification: {mode: exact, samples: 2}
max_price_per_gpu_hour: 1gpu
deposit: 10gpu
max_duration: 10m
`, name, 1)
	if len(env) > 0 {
		spec += "env:\n"
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			spec += fmt.Sprintf("  %s: %q\n", k, v)
		}
	}
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gpunetRun(t *testing.T, args ...string) (runResult, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := runContext(ctx, append([]string{"run", "--output", "json"}, args...), &out, &errOut)
	var res runResult
	if code == 0 {
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("gpunet run %v: %v\n%s", args, err, out.String())
		}
	}
	return res, errOut.String(), code
}

// checkRoots checks each recorded root against the file's own.
func checkRoots(t *testing.T, res runResult, steps ...int64) {
	t.Helper()
	if res.State != runner.StateSucceeded || len(res.Checkpoints) != len(steps) {
		t.Fatalf("state %s, checkpoints %+v; want succeeded with steps %v", res.State, res.Checkpoints, steps)
	}
	for i, c := range res.Checkpoints {
		got, _, err := commit.File(context.Background(), filepath.Join(res.CheckpointDir, c.Name), 2)
		if err != nil {
			t.Fatal(err)
		}
		if c.Step != steps[i] || got.Hex() != c.Root {
			t.Fatalf("checkpoint %d: step %d root %s; file's root %s", i, c.Step, c.Root, got.Hex())
		}
	}
}

// gpunet run runs the trainer image to completion and prints a commitment
// per checkpoint; a segment replayed from a checkpoint has the same root.
func TestRunTrainerImage(t *testing.T) {
	img := testimage.Trainer(t)
	spec := writeSpec(t, "demo")
	work := t.TempDir()
	full, stderr, code := gpunetRun(t, spec, "--image", img, "--work-dir", work)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkRoots(t, full, 50, 100, 150, 200)

	seg, stderr, code := gpunetRun(t, spec, "--image", img, "--work-dir", work, "--job-id", "replay",
		"--start-step", "100", "--end-step", "150", "--resume-from", filepath.Join(full.CheckpointDir, "step-00000100.safetensors"))
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	checkRoots(t, seg, 150)
	if seg.Checkpoints[0].Root != full.Checkpoints[2].Root {
		t.Fatalf("replayed step 150 root %s, uninterrupted %s", seg.Checkpoints[0].Root, full.Checkpoints[2].Root)
	}

	// Running a finished job again is refused until --fresh.
	if _, stderr, code = gpunetRun(t, spec, "--image", img, "--work-dir", work); code != exitError || !strings.Contains(stderr, "--fresh") {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if _, stderr, code = gpunetRun(t, spec, "--image", img, "--work-dir", work, "--fresh"); code != 0 {
		t.Fatalf("--fresh: exit %d: %s", code, stderr)
	}
}

// The gpunet process is killed (SIGKILL) mid-job: the container runs on,
// and the next gpunet run re-attaches to that same container and keeps
// every checkpoint; no second copy of the job is ever started.
func TestRunKilledProcessReattaches(t *testing.T) {
	img := testimage.Trainer(t)
	cli := testimage.Engine(t)
	spec := writeSpec(t, "killed", "TRAINER_STEP_DELAY=20ms")
	work := t.TempDir()
	args := []string{"run", spec, "--image", img, "--work-dir", work, "--job-id", "killed"}

	proc := exec.Command(os.Args[0], args...)
	proc.Env = append(os.Environ(), "GPUNET_TEST_AS_CLI=1")
	var procErr bytes.Buffer
	proc.Stderr = &procErr
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(work, "jobs", "killed", "checkpoints", "step-00000050.safetensors")
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(first); err == nil {
			break
		}
		if time.Now().After(deadline) {
			proc.Process.Kill()
			t.Fatalf("no first checkpoint within a minute: %s", procErr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()

	ctx := context.Background()
	jobContainers := func() []container.Summary {
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelJob+"=killed"), filters.Arg("label", docker.LabelOwner+"="+runner.OwnerOf(work)))})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	before := jobContainers()
	if len(before) != 1 || before[0].State != "running" {
		t.Fatalf("after the kill: containers %+v, want the one job container still running", before)
	}

	res, stderr, code := gpunetRun(t, spec, "--image", img, "--work-dir", work, "--job-id", "killed")
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming") || res.Attempt != 1 || res.Handle.ID != before[0].ID {
		t.Fatalf("attempt %d on task %s, want attempt 1 on %s\n%s", res.Attempt, res.Handle.ID, before[0].ID, stderr)
	}
	checkRoots(t, res, 50, 100, 150, 200)
	if left := jobContainers(); len(left) != 0 {
		t.Fatalf("containers left after success: %+v", left)
	}
}

func TestRunBadUse(t *testing.T) {
	spec := writeSpec(t, "bad")
	work := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown driver", []string{spec, "--driver", "vm"}, exitUsage, `"vm" is not a driver`},
		{"image with exec", []string{spec, "--driver", "exec", "--image", "x"}, exitUsage, "--image is for --driver docker"},
		{"program with docker", []string{spec, "--program", "/bin/true"}, exitUsage, "--program is for --driver exec"},
		{"missing spec", []string{filepath.Join(work, "nope.yaml")}, exitUsage, "read job spec"},
		{"start without checkpoint", []string{spec, "--driver", "exec", "--program", "/bin/true", "--start-step", "50"}, exitError, "needs the checkpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := gpunetRun(t, append(tt.args, "--work-dir", work)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want %d; stderr %q, want it to say %q", code, tt.code, stderr, tt.want)
			}
		})
	}
}
