package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
)

// pollInterval is how often recovered processes and followed logs are checked.
const pollInterval = 100 * time.Millisecond

// errRecovered is the ExitResult.Err of a recovered task.
const errRecovered = "exit status unknown: process was recovered after a daemon restart and is not our child"

type resultBox struct {
	mu sync.Mutex
	r  gprt.ExitResult
}

func (b *resultBox) set(r gprt.ExitResult) { b.mu.Lock(); b.r = r; b.mu.Unlock() }
func (b *resultBox) get() gprt.ExitResult  { b.mu.Lock(); defer b.mu.Unlock(); return b.r }

// reap waits for a started child and records how it ended.
func (t *task) reap() {
	err := t.cmd.Wait()
	r := gprt.ExitResult{}
	if ws, ok := t.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			r.Signal = int(ws.Signal())
			r.ExitCode = 128 + r.Signal
		default:
			r.ExitCode = ws.ExitStatus()
		}
	} else if err != nil {
		r.ExitCode, r.Err = -1, err.Error()
	}
	t.res.set(r)
	close(t.done)
}

// poll watches a recovered process until it is gone.
func (t *task) poll() {
	for alive(t.st.PID, t.st.StartTime) {
		time.Sleep(pollInterval)
	}
	t.res.set(gprt.ExitResult{ExitCode: -1, Err: errRecovered})
	close(t.done)
}

// procStartTime reads field 22 (starttime) of /proc/<pid>/stat; ok is false
// for a missing or zombie process.
func procStartTime(pid int) (uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return 0, false
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	return v, err == nil
}

// alive reports whether pid runs and is the process that started at start.
func alive(pid int, start uint64) bool {
	got, ok := procStartTime(pid)
	return ok && got == start
}

func (d *Driver) known(id string) (*task, error) {
	t, ok := d.tasks.get(id)
	if !ok {
		return nil, fmt.Errorf("task %s: %w", id, gprt.ErrTaskNotFound)
	}
	return t, nil
}

// Wait blocks until the process is gone, then reports how it ended. For a
// recovered process ExitCode is -1 and Err explains why.
func (d *Driver) Wait(ctx context.Context, id string) (gprt.ExitResult, error) {
	t, err := d.known(id)
	if err != nil {
		return gprt.ExitResult{}, fmt.Errorf("wait: %w", err)
	}
	select {
	case <-t.done:
		return t.res.get(), nil
	case <-ctx.Done():
		return gprt.ExitResult{}, fmt.Errorf("wait for task %s: %w", id, ctx.Err())
	}
}

// signalGroup signals the task's process group; a gone group is not an error.
func (t *task) signalGroup(sig syscall.Signal) error {
	select {
	case <-t.done:
		if t.cmd == nil {
			return nil // a recovered group may be reused once the leader is gone
		}
	default:
	}
	if err := syscall.Kill(-t.st.PID, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal process group %d: %w", t.st.PID, err)
	}
	return nil
}

// Stop sends SIGTERM to the task's process group and SIGKILL after timeout.
func (d *Driver) Stop(ctx context.Context, id string, timeout time.Duration) error {
	t, err := d.known(id)
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	if err := t.signalGroup(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop task %s: %w", id, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-t.done:
	case <-timer.C:
	case <-ctx.Done():
		return fmt.Errorf("stop task %s: %w", id, ctx.Err())
	}
	// Kill what is left of the tree even when the leader exited on SIGTERM.
	if err := t.signalGroup(syscall.SIGKILL); err != nil {
		return fmt.Errorf("stop task %s: %w", id, err)
	}
	return nil
}

// Logs returns the task's log file; with follow it tails the file until the
// process is gone (or ctx ends).
func (d *Driver) Logs(ctx context.Context, id string, follow bool) (io.ReadCloser, error) {
	t, err := d.known(id)
	if err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	f, err := os.Open(t.st.LogPath)
	if err != nil {
		return nil, fmt.Errorf("logs of task %s: %w", id, err)
	}
	if !follow {
		return f, nil
	}
	return &tail{ctx: ctx, f: f, done: t.done}, nil
}

// tail reads a growing file until done is closed and the file is drained.
type tail struct {
	ctx  context.Context
	f    *os.File
	done <-chan struct{}
}

func (l *tail) Read(p []byte) (int, error) {
	for {
		exited := false
		select {
		case <-l.done:
			exited = true
		default:
		}
		n, err := l.f.Read(p)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		if exited {
			return 0, io.EOF
		}
		select {
		case <-l.ctx.Done():
			return 0, l.ctx.Err()
		case <-l.done:
		case <-time.After(pollInterval):
		}
	}
}

func (l *tail) Close() error { return l.f.Close() }

// Destroy kills the task's process group, removes its log and forgets it.
func (d *Driver) Destroy(ctx context.Context, id string) error {
	t, ok := d.tasks.get(id)
	if !ok {
		return nil
	}
	if err := t.signalGroup(syscall.SIGKILL); err != nil {
		return fmt.Errorf("destroy task %s: %w", id, err)
	}
	select {
	case <-t.done:
	case <-ctx.Done():
		return fmt.Errorf("destroy task %s: %w", id, ctx.Err())
	}
	if err := os.Remove(t.st.LogPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("destroy task %s: remove log: %w", id, err)
	}
	d.tasks.delete(id)
	d.log.InfoContext(ctx, "task destroyed", "task", id)
	return nil
}
