package docker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	gprt "github.com/gpunet/gpunet/runtime"
)

func TestCheckpointDirWritable(t *testing.T) {
	d := engineDriver(t)
	cfg := baseConfig(t, probeImage(t, d), "write", gprt.ContainerCheckpointDir+"/step-00000005.safetensors", "weights")
	out, res := run(t, d, cfg)
	if !res.Successful() || !strings.Contains(out, "write OK") {
		t.Fatalf("write checkpoint: %q (%+v)", out, res)
	}
	b, err := os.ReadFile(filepath.Join(cfg.CheckpointDir, "step-00000005.safetensors"))
	if err != nil || string(b) != "weights" {
		t.Fatalf("checkpoint on host = %q, %v", b, err)
	}
}

func TestInputDirReadOnly(t *testing.T) {
	d := engineDriver(t)
	cfg := baseConfig(t, probeImage(t, d), "write", gprt.ContainerInputDir+"/x", "y")
	cfg.InputDir = t.TempDir()
	os.Chmod(cfg.InputDir, 0o777)
	out, _ := run(t, d, cfg)
	if !strings.Contains(out, "write FAIL") {
		t.Fatalf("write to input dir = %q, want failure", out)
	}
}

func TestContractEnvReachesTask(t *testing.T) {
	d := engineDriver(t)
	cfg := baseConfig(t, probeImage(t, d), "env")
	cfg.CPUs = 2
	cfg.Env = map[string]string{"FOO": "bar", "GPUNET_SEED": "overridden"}
	out, res := run(t, d, cfg)
	if !res.Successful() {
		t.Fatalf("env: %+v %q", res, out)
	}
	lines := strings.Split(out, "\n")
	for _, want := range []string{
		"GPUNET_JOB_ID=" + cfg.JobID, "GPUNET_START_STEP=0", "GPUNET_END_STEP=10",
		"GPUNET_CHECKPOINT_EVERY=5", "GPUNET_RESUME_FROM=", "GPUNET_CHECKPOINT_DIR=" + gprt.ContainerCheckpointDir,
		"GPUNET_INPUT_DIR=", "GPUNET_SEED=42", "OMP_NUM_THREADS=2", "MKL_NUM_THREADS=2", "GOMAXPROCS=2", "FOO=bar",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("env lacks %q:\n%s", want, out)
		}
	}
}

func TestStopAndWait(t *testing.T) {
	d := engineDriver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	h, err := d.Start(ctx, baseConfig(t, probeImage(t, d), "sleep", "60"))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { destroy(t, d, h.ID) })
	waitForLog(t, d, h.ID, "sleeping")
	begin := time.Now()
	if err := d.Stop(ctx, h.ID, 5*time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	res, err := d.Wait(ctx, h.ID)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if !res.Successful() || time.Since(begin) > 5*time.Second || !strings.Contains(logs(t, d, h.ID), "term") {
		t.Fatalf("after SIGTERM: %+v in %v", res, time.Since(begin))
	}
	if err := d.Stop(ctx, h.ID, time.Second); err != nil {
		t.Fatalf("second stop: %v", err)
	}
}

func TestRecoverAfterRestart(t *testing.T) {
	d := engineDriver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	h, err := d.Start(ctx, baseConfig(t, probeImage(t, d), "sleep", "60"))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { destroy(t, d, h.ID) })

	d2 := engineDriver(t) // a restarted daemon
	if _, err := d2.Wait(ctx, h.ID); !errors.Is(err, gprt.ErrTaskNotFound) {
		t.Fatalf("wait before recover = %v, want ErrTaskNotFound", err)
	}
	for i := 0; i < 2; i++ { // idempotent
		if err := d2.Recover(ctx, h); err != nil {
			t.Fatalf("recover #%d: %v", i, err)
		}
	}
	list, err := d2.List(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if !slices.ContainsFunc(list, func(m Managed) bool { return m.ContainerID == h.ID && m.JobID == h.JobID && m.State == "running" }) {
		t.Fatalf("list %+v lacks running %s", list, h.ID)
	}
	if err := d2.Stop(ctx, h.ID, 5*time.Second); err != nil {
		t.Fatalf("stop via recovered driver: %v", err)
	}
	if res, err := d2.Wait(ctx, h.ID); err != nil || !res.Successful() {
		t.Fatalf("wait via recovered driver: %+v %v", res, err)
	}

	bogus := *h
	bogus.ID = "0000000000000000000000000000000000000000000000000000000000000000"
	bogus.DriverState = nil
	if err := d2.Recover(ctx, &bogus); !errors.Is(err, gprt.ErrHandleVersion) && !errors.Is(err, gprt.ErrTaskNotFound) {
		t.Fatalf("recover bogus = %v", err)
	}
	if err := d2.Destroy(ctx, h.ID); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if err := d2.Recover(ctx, h); !errors.Is(err, gprt.ErrTaskNotFound) {
		t.Fatalf("recover after destroy = %v, want ErrTaskNotFound", err)
	}
}

func TestEngineSeesHardenedContainer(t *testing.T) {
	d := engineDriver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := d.Start(ctx, baseConfig(t, probeImage(t, d), "id"))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { destroy(t, d, h.ID) })
	info, err := d.cli.ContainerInspect(ctx, h.ID)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	hc := info.HostConfig
	if hc.Privileged || !hc.ReadonlyRootfs || hc.NetworkMode != container.NetworkMode("none") ||
		!slices.Equal(hc.CapDrop, []string{"ALL"}) || !slices.Contains(hc.SecurityOpt, "no-new-privileges") ||
		hc.PidsLimit == nil || *hc.PidsLimit != 64 || hc.Memory != 64<<20 || len(hc.Binds) != 0 || len(info.Mounts) != 1 {
		t.Fatalf("engine host config not hardened: %+v mounts %+v", hc, info.Mounts)
	}
	if info.Config.User != DefaultUser || info.Config.Labels[LabelManaged] != "true" {
		t.Fatalf("user %q labels %v", info.Config.User, info.Config.Labels)
	}
}

// waitForLog polls the task's logs until they contain s.
func waitForLog(t *testing.T, d *Driver, id, s string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(logs(t, d, id), s) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("task %s never printed %q", id, s)
}
