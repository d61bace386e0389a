package docker

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"

	gprt "github.com/gpunet/gpunet/runtime"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/runtime/drivertest"
)

var (
	probeOnce sync.Once
	probeID   string
	probeErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	testimage.Cleanup()
	os.Exit(code)
}

// engineDriver returns a driver on the real engine. It skips when no engine
// answers, except with CI=true, where a missing engine fails the test.
func engineDriver(t testing.TB) *Driver {
	t.Helper()
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Ping(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker engine unreachable and CI=true: %v", err)
		}
		t.Skipf("docker engine unreachable (set CI=true to make this a failure): %v", err)
	}
	return d
}

// probeImage builds the probe image once per test run and returns its ID.
func probeImage(t testing.TB, d *Driver) string {
	t.Helper()
	probeOnce.Do(func() { probeID, probeErr = buildProbe(d.cli) })
	if probeErr != nil {
		t.Fatalf("build probe image: %v", probeErr)
	}
	return probeID
}

func buildProbe(cli client.APIClient) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return testimage.Build(ctx, cli, "./testdata/probe", "probe")
}

// baseConfig is a small CPU task running the probe with args.
func baseConfig(t testing.TB, img string, args ...string) gprt.TaskConfig {
	t.Helper()
	ckpt := t.TempDir()
	if err := os.Chmod(ckpt, 0o777); err != nil {
		t.Fatalf("chmod checkpoint dir: %v", err)
	}
	return gprt.TaskConfig{
		JobID:         "job-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")),
		Segment:       "0",
		Image:         img,
		Command:       append([]string{"/probe"}, args...),
		CPUs:          1,
		MemoryMiB:     64,
		PidsLimit:     64,
		CheckpointDir: ckpt,
		Contract:      gprt.Contract{StartStep: 0, EndStep: 10, CheckpointEvery: 5, Seed: 42},
	}
}

// run starts cfg, waits (bounded), and returns its output and exit result.
func run(t *testing.T, d *Driver, cfg gprt.TaskConfig) (string, gprt.ExitResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	h, err := d.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { destroy(t, d, h.ID) })
	res, err := d.Wait(ctx, h.ID)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	out := logs(t, d, h.ID)
	t.Logf("%v -> %+v\n%s", cfg.Command, res, out)
	return out, res
}

func logs(t *testing.T, d *Driver, id string) string { return drivertest.Logs(t, d, id, false) }

func destroy(t *testing.T, d *Driver, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := d.Destroy(ctx, id); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}
