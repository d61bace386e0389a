package exec

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
)

func TestNewWarnsNoSandbox(t *testing.T) {
	var buf bytes.Buffer
	d := newDriver(t, t.TempDir(), &buf)
	if d.Name() != "exec" {
		t.Errorf("name = %q", d.Name())
	}
	if !strings.Contains(buf.String(), "exec driver: jobs run as plain processes with no sandbox") {
		t.Errorf("no sandbox warning logged: %q", buf.String())
	}
	if _, err := New(Config{StateDir: "relative"}); !errors.Is(err, gprt.ErrInvalidConfig) {
		t.Errorf("relative state dir: err = %v, want ErrInvalidConfig", err)
	}
}

func TestEnvIsExactlyContract(t *testing.T) {
	t.Setenv("GPUNET_TEST_CANARY", "leaked")
	d := newDriver(t, t.TempDir(), nil)
	cfg := baseConfig(t, "env")
	cfg.Env = map[string]string{"MY_VAR": "x", "GPUNET_SEED": "overridden-by-contract"}
	cfg.InputDir = t.TempDir()
	cfg.GPUUUIDs = []string{"GPU-aaa", "GPU-bbb"}
	cfg.Contract.ResumeFrom = gprt.ContainerCheckpointDir + "/step-00000005.safetensors"
	h := start(t, d, cfg)
	if r := wait(t, d, h.ID); !r.Successful() {
		t.Fatalf("result = %+v, log: %s", r, logs(t, d, h.ID, false))
	}
	got := strings.Split(strings.TrimSpace(logs(t, d, h.ID, false)), "\n")
	want := []string{
		"CUDA_VISIBLE_DEVICES=GPU-aaa,GPU-bbb",
		"GOMAXPROCS=2",
		"GPUNET_CHECKPOINT_DIR=" + cfg.CheckpointDir,
		"GPUNET_CHECKPOINT_EVERY=5",
		"GPUNET_END_STEP=10",
		"GPUNET_INPUT_DIR=" + cfg.InputDir,
		"GPUNET_JOB_ID=" + cfg.JobID,
		"GPUNET_RESUME_FROM=" + filepath.Join(cfg.CheckpointDir, "step-00000005.safetensors"),
		"GPUNET_SEED=7",
		"GPUNET_START_STEP=0",
		"MKL_NUM_THREADS=2",
		"MY_VAR=x",
		"OMP_NUM_THREADS=2",
		"PATH=" + os.Getenv("PATH"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("env:\n got %q\nwant %q", got, want)
	}
}

func TestEnvCPUJobHasEmptyGPUsAndInputs(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	h := start(t, d, baseConfig(t, "env"))
	wait(t, d, h.ID)
	out := logs(t, d, h.ID, false)
	for _, line := range []string{"CUDA_VISIBLE_DEVICES=\n", "GPUNET_INPUT_DIR=\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("log lacks %q: %s", line, out)
		}
	}
}

func TestCheckpointWritten(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	cfg := baseConfig(t, "ckpt")
	h := start(t, d, cfg)
	if r := wait(t, d, h.ID); !r.Successful() {
		t.Fatalf("result = %+v, log: %s", r, logs(t, d, h.ID, false))
	}
	b, err := os.ReadFile(filepath.Join(cfg.CheckpointDir, "step-00000010.safetensors"))
	if err != nil || string(b) != "ckpt" {
		t.Fatalf("checkpoint = %q, %v", b, err)
	}
}

func TestExitResults(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	tests := []struct {
		name   string
		args   []string
		kill   syscall.Signal // sent to the process after start
		code   int
		signal int
	}{
		{name: "success", args: []string{"exit", "0"}},
		{name: "exit code", args: []string{"exit", "3"}, code: 3},
		{name: "bad step", args: []string{"nope"}, code: 99},
		{name: "sigkill", args: []string{"sleep", "60s"}, kill: syscall.SIGKILL, code: 137, signal: 9},
		{name: "sigterm", args: []string{"sleep", "60s"}, kill: syscall.SIGTERM, code: 143, signal: 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, d, baseConfig(t, tc.args...))
			if tc.kill != 0 {
				var st TaskState
				if err := h.GetDriverState(&st); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Kill(st.PID, tc.kill); err != nil {
					t.Fatalf("kill: %v", err)
				}
			}
			r := wait(t, d, h.ID)
			if r.ExitCode != tc.code || r.Signal != tc.signal || r.Err != "" {
				t.Errorf("result = %+v, want code %d signal %d", r, tc.code, tc.signal)
			}
		})
	}
}

// childPID reads child=<pid> from the task's log.
func childPID(t *testing.T, d *Driver, id string) int {
	t.Helper()
	var pid int
	eventually(t, "child pid in log", func() bool {
		for _, line := range strings.Split(logs(t, d, id, false), "\n") {
			if v, ok := strings.CutPrefix(line, "child="); ok {
				pid, _ = strconv.Atoi(v)
			}
		}
		return pid > 0
	})
	return pid
}

func gone(pid int) bool {
	_, ok := procStartTime(pid)
	return !ok
}

func TestStopKillsTree(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	h := start(t, d, baseConfig(t, "child", "sleep", "60s"))
	child := childPID(t, d, h.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := d.Stop(ctx, h.ID, 2*time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	r := wait(t, d, h.ID)
	if r.Signal != int(syscall.SIGTERM) {
		t.Errorf("result = %+v, want SIGTERM", r)
	}
	eventually(t, "child gone", func() bool { return gone(child) })
	if err := d.Stop(ctx, h.ID, time.Second); err != nil {
		t.Errorf("stop of exited task: %v", err)
	}
}

func TestLogsFollow(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	h := start(t, d, baseConfig(t, "print", "one", "sleep", "300ms", "print", "two", "exit", "0"))
	out := logs(t, d, h.ID, true) // returns only once the process exited
	if out != "one\ntwo\n" {
		t.Errorf("followed logs = %q", out)
	}
	if out := logs(t, d, h.ID, false); out != "one\ntwo\n" {
		t.Errorf("logs = %q", out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h2 := start(t, d, baseConfig(t, "sleep", "60s"))
	rc, err := d.Logs(ctx, h2.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	cancel()
	if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
}

func TestRecover(t *testing.T) {
	state := t.TempDir()
	d1 := newDriver(t, state, nil)
	h := start(t, d1, baseConfig(t, "print", "hello", "sleep", "60s"))

	d2 := newDriver(t, state, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 2 { // idempotent
		if err := d2.Recover(ctx, h); err != nil {
			t.Fatalf("recover: %v", err)
		}
	}
	eventually(t, "log", func() bool { return logs(t, d2, h.ID, false) == "hello\n" })
	if err := d2.Stop(ctx, h.ID, 2*time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	r := wait(t, d2, h.ID)
	if r.ExitCode != -1 || r.Err != errRecovered {
		t.Errorf("recovered result = %+v", r)
	}
	if r := wait(t, d1, h.ID); r.Signal != int(syscall.SIGTERM) {
		t.Errorf("original driver result = %+v", r)
	}
	if err := d2.Destroy(ctx, h.ID); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if _, err := d2.Wait(ctx, h.ID); !errors.Is(err, gprt.ErrTaskNotFound) {
		t.Errorf("wait after destroy: %v", err)
	}
	d3 := newDriver(t, state, nil)
	if err := d3.Recover(ctx, h); !errors.Is(err, gprt.ErrTaskNotFound) {
		t.Errorf("recover of gone process: %v", err)
	}
}

func TestRecoverRejectsReusedPID(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	h := start(t, d, baseConfig(t, "sleep", "60s"))
	var st TaskState
	if err := h.GetDriverState(&st); err != nil {
		t.Fatal(err)
	}
	st.StartTime++ // as if the PID now belonged to another process
	forged := *h
	if err := forged.SetDriverState(st); err != nil {
		t.Fatal(err)
	}
	if err := newDriver(t, t.TempDir(), nil).Recover(context.Background(), &forged); !errors.Is(err, gprt.ErrTaskNotFound) {
		t.Errorf("recover with wrong start time: %v", err)
	}
	forged.Driver = "docker"
	if err := newDriver(t, t.TempDir(), nil).Recover(context.Background(), &forged); !errors.Is(err, gprt.ErrInvalidConfig) {
		t.Errorf("recover of docker handle: %v", err)
	}
}

func TestStartRefuses(t *testing.T) {
	d := newDriver(t, t.TempDir(), nil)
	tests := []struct {
		name string
		edit func(*gprt.TaskConfig)
		want error
		msg  string
	}{
		{"privileged", func(c *gprt.TaskConfig) { c.Requests.Privileged = true }, gprt.ErrSandbox, "privileged"},
		{"host network", func(c *gprt.TaskConfig) { c.Requests.NetworkMode = "host" }, gprt.ErrSandbox, "network mode"},
		{"host pid", func(c *gprt.TaskConfig) { c.Requests.PIDMode = "host" }, gprt.ErrSandbox, "pid namespace"},
		{"host ipc", func(c *gprt.TaskConfig) { c.Requests.IPCMode = "host" }, gprt.ErrSandbox, "ipc namespace"},
		{"cap add", func(c *gprt.TaskConfig) { c.Requests.CapAdd = []string{"SYS_ADMIN"} }, gprt.ErrSandbox, "capabilities"},
		{"devices", func(c *gprt.TaskConfig) { c.Requests.Devices = []string{"/dev/mem"} }, gprt.ErrSandbox, "host devices"},
		{"host mounts", func(c *gprt.TaskConfig) { c.Requests.HostMounts = []string{"/:/host"} }, gprt.ErrSandbox, "host mounts"},
		{"image digest", func(c *gprt.TaskConfig) { c.Image = "repo/train@sha256:" + strings.Repeat("a", 64) }, gprt.ErrInvalidConfig, "use the docker driver"},
		{"image id", func(c *gprt.TaskConfig) { c.Image = "sha256:" + strings.Repeat("b", 64) }, gprt.ErrInvalidConfig, "use the docker driver"},
		{"image name", func(c *gprt.TaskConfig) { c.Image = "python:3.12" }, gprt.ErrInvalidConfig, "use the docker driver"},
		{"missing executable", func(c *gprt.TaskConfig) { c.Image = "/nonexistent/job" }, gprt.ErrInvalidConfig, "executable"},
		{"not executable", func(c *gprt.TaskConfig) { c.Image = c.CheckpointDir }, gprt.ErrInvalidConfig, "not an executable"},
		{"invalid config", func(c *gprt.TaskConfig) { c.CPUs = 0 }, gprt.ErrInvalidConfig, "cpus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t, "exit", "0")
			tc.edit(&cfg)
			_, err := d.Start(context.Background(), cfg)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	if entries, _ := os.ReadDir(d.cfg.StateDir); len(entries) != 0 {
		t.Errorf("refused starts left files: %v", entries)
	}
}
