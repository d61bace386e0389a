package exec

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"

	"github.com/gpunet/gpunet/runtime/drivertest"
)

// jobBin is the helper binary built from testdata/job.
var jobBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gpunet-exec-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		os.Exit(1)
	}
	jobBin = filepath.Join(dir, "job")
	if out, err := exec.Command("go", "build", "-o", jobBin, "./testdata/job").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build job helper: %v: %s\n", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newDriver returns a driver with its own state dir; logs go to buf if non-nil.
func newDriver(t *testing.T, stateDir string, buf *bytes.Buffer) *Driver {
	t.Helper()
	var opts []Option
	if buf != nil {
		opts = append(opts, WithLogger(slog.New(slog.NewTextHandler(buf, nil))))
	}
	d, err := New(Config{StateDir: stateDir}, opts...)
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	return d
}

// baseConfig is a small CPU task running the helper with args.
func baseConfig(t *testing.T, args ...string) gprt.TaskConfig {
	t.Helper()
	return gprt.TaskConfig{
		JobID:         "job-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")),
		Segment:       "0",
		Image:         jobBin,
		Command:       args,
		CPUs:          2,
		MemoryMiB:     64,
		CheckpointDir: t.TempDir(),
		Contract:      gprt.Contract{StartStep: 0, EndStep: 10, CheckpointEvery: 5, Seed: 7},
	}
}

// start starts cfg and destroys the task at cleanup.
func start(t *testing.T, d *Driver, cfg gprt.TaskConfig) *gprt.TaskHandle {
	t.Helper()
	h, err := d.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Destroy(ctx, h.ID); err != nil {
			t.Errorf("destroy: %v", err)
		}
	})
	return h
}

// wait waits up to 20s for the task.
func wait(t *testing.T, d *Driver, id string) gprt.ExitResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := d.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return r
}

// logs returns the task's whole log.
func logs(t *testing.T, d *Driver, id string, follow bool) string {
	return drivertest.Logs(t, d, id, follow)
}

// eventually polls cond for up to 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
