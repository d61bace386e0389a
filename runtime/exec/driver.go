package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
)

// Name is the driver's name.
const Name = "exec"

var _ gprt.Driver = (*Driver)(nil)

// Driver runs tasks as plain local processes. It is not a sandbox.
type Driver struct {
	cfg   Config
	log   *slog.Logger
	tasks *taskStore
	now   func() time.Time
}

// Option configures a Driver.
type Option func(*Driver)

// WithLogger sets the driver's logger.
func WithLogger(l *slog.Logger) Option { return func(d *Driver) { d.log = l } }

// New returns a driver and logs that it is not a sandbox.
func New(cfg Config, opts ...Option) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new exec driver: %w", err)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("new exec driver: create state dir: %w", err)
	}
	d := &Driver{cfg: cfg, log: slog.New(slog.DiscardHandler), tasks: newTaskStore(), now: time.Now}
	for _, o := range opts {
		o(d)
	}
	d.log = d.log.With("driver", Name)
	d.log.Warn("exec driver: jobs run as plain processes with no sandbox")
	return d, nil
}

// Name implements gprt.Driver.
func (d *Driver) Name() string { return Name }

// Start validates cfg, then starts the executable in its own process group
// with stdout and stderr appended to the task's log file.
func (d *Driver) Start(ctx context.Context, cfg gprt.TaskConfig) (*gprt.TaskHandle, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("start task for job %s: %w", cfg.JobID, err)
	}
	if err := checkImage(cfg.Image); err != nil {
		return nil, fmt.Errorf("start task for job %s: %w", cfg.JobID, err)
	}
	if err := checkRequests(cfg.Requests); err != nil {
		return nil, fmt.Errorf("start task for job %s: %w", cfg.JobID, err)
	}
	id := newID()
	logPath := filepath.Join(d.cfg.StateDir, id+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start task for job %s: open log: %w", cfg.JobID, err)
	}
	defer logf.Close() // the child holds its own descriptor
	cmd := exec.Command(cfg.Image, cfg.Command...)
	cmd.Env = processEnv(cfg)
	cmd.Dir = cfg.CheckpointDir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.Remove(logPath)
		return nil, fmt.Errorf("start task for job %s: %w", cfg.JobID, err)
	}
	pid := cmd.Process.Pid
	start, _ := procStartTime(pid) // the child cannot be reaped before cmd.Wait
	st := TaskState{Version: StateVersion, PID: pid, StartTime: start, Executable: cfg.Image, LogPath: logPath}
	t := &task{st: st, cmd: cmd, done: make(chan struct{})}
	go t.reap()
	h := &gprt.TaskHandle{
		Version: gprt.HandleVersion, Driver: Name, ID: id,
		JobID: cfg.JobID, Segment: cfg.Segment, StartedAt: d.now().UTC(),
	}
	if err := h.SetDriverState(st); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-t.done
		return nil, fmt.Errorf("start task %s: %w", id, err)
	}
	d.tasks.set(id, t)
	d.log.InfoContext(ctx, "task started", "job", cfg.JobID, "task", id, "pid", pid)
	return h, nil
}

// Recover re-attaches to the process named by h if it still runs and its
// start time matches. It is idempotent; a handle whose process is gone is
// forgotten and ErrTaskNotFound returned.
func (d *Driver) Recover(ctx context.Context, h *gprt.TaskHandle) error {
	if err := h.Check(Name); err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	if _, ok := d.tasks.get(h.ID); ok {
		return nil
	}
	var st TaskState
	if err := h.GetDriverState(&st); err != nil {
		return fmt.Errorf("recover %s: %w", h.ID, err)
	}
	if st.Version != StateVersion {
		return fmt.Errorf("recover %s: driver state: %w: %d", h.ID, gprt.ErrHandleVersion, st.Version)
	}
	if st.PID <= 0 || !alive(st.PID, st.StartTime) {
		return fmt.Errorf("recover %s: process %d gone: %w", h.ID, st.PID, gprt.ErrTaskNotFound)
	}
	t := &task{st: st, done: make(chan struct{})}
	go t.poll()
	d.tasks.set(h.ID, t)
	d.log.InfoContext(ctx, "task recovered", "job", h.JobID, "task", h.ID, "pid", st.PID)
	return nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
