package runtime

import (
	"context"
	"io"
	"time"
)

// Driver runs tasks. Implementations: runtime/docker (default, a sandbox)
// and runtime/exec (opt-in plain processes, no sandbox).
// Every method takes the task ID that Start returned in TaskHandle.ID.
type Driver interface {
	// Name is the driver's name as written in configs ("docker", "exec").
	Name() string
	// Start validates cfg, creates and starts the task, and returns its handle.
	// Nothing is created when validation fails.
	Start(ctx context.Context, cfg TaskConfig) (*TaskHandle, error)
	// Wait blocks until the task exits or ctx ends.
	Wait(ctx context.Context, id string) (ExitResult, error)
	// Stop sends SIGTERM, then kills the task after timeout. Stopping a task
	// that already exited is not an error.
	Stop(ctx context.Context, id string, timeout time.Duration) error
	// Logs streams the task's stdout and stderr, interleaved; follow keeps
	// the stream open until the task exits.
	Logs(ctx context.Context, id string, follow bool) (io.ReadCloser, error)
	// Recover re-attaches to a task from a persisted handle. It is idempotent.
	Recover(ctx context.Context, h *TaskHandle) error
	// Destroy removes the task and everything the driver created for it.
	Destroy(ctx context.Context, id string) error
}

// ExitResult is how a task ended.
type ExitResult struct {
	ExitCode int
	// Signal is the signal that ended the task where the driver can tell;
	// for containers it is ExitCode-128 when ExitCode > 128.
	Signal    int
	OOMKilled bool
	// Err is the engine's error text for the task, if any.
	Err string
}

// Successful reports a clean exit.
func (r ExitResult) Successful() bool {
	return r.ExitCode == 0 && r.Signal == 0 && !r.OOMKilled && r.Err == ""
}

// TaskFinder is implemented by drivers that can find a job's tasks without
// a handle (by container labels), so that a daemon that lost its records
// adopts a task instead of starting a second copy of the job. Only tasks
// started with the same TaskConfig.Owner are found: job IDs are only unique
// within one chain, and several providers may share an engine.
type TaskFinder interface {
	FindTasks(ctx context.Context, owner, jobID string) ([]*TaskHandle, error)
}
