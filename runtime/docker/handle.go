package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	gprt "github.com/gpunet/gpunet/runtime"
)

// known returns the task's state or ErrTaskNotFound.
func (d *Driver) known(id string) (TaskState, error) {
	st, ok := d.tasks.get(id)
	if !ok {
		return TaskState{}, fmt.Errorf("task %s: %w", id, gprt.ErrTaskNotFound)
	}
	return st, nil
}

// Wait blocks until the container is no longer running, then reports how it ended.
func (d *Driver) Wait(ctx context.Context, id string) (gprt.ExitResult, error) {
	if _, err := d.known(id); err != nil {
		return gprt.ExitResult{}, fmt.Errorf("wait: %w", err)
	}
	okc, errc := d.cli.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case <-okc:
	case err := <-errc:
		return gprt.ExitResult{}, fmt.Errorf("wait for container %s: %w", id, err)
	case <-ctx.Done():
		return gprt.ExitResult{}, fmt.Errorf("wait for container %s: %w", id, ctx.Err())
	}
	return d.exitResult(ctx, id)
}

// exitResult reads the exit state from inspect, which also knows OOM kills.
func (d *Driver) exitResult(ctx context.Context, id string) (gprt.ExitResult, error) {
	info, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return gprt.ExitResult{}, fmt.Errorf("inspect container %s: %w", id, err)
	}
	s := info.State
	r := gprt.ExitResult{ExitCode: s.ExitCode, OOMKilled: s.OOMKilled, Err: s.Error}
	if s.ExitCode > 128 {
		r.Signal = s.ExitCode - 128
	}
	return r, nil
}

// Stop sends SIGTERM and kills the container after timeout.
func (d *Driver) Stop(ctx context.Context, id string, timeout time.Duration) error {
	if _, err := d.known(id); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	secs := int((timeout + time.Second - 1) / time.Second)
	err := d.cli.ContainerStop(ctx, id, container.StopOptions{Signal: "SIGTERM", Timeout: &secs})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	return nil
}

// Logs streams stdout and stderr of the container, demultiplexed.
func (d *Driver) Logs(ctx context.Context, id string, follow bool) (io.ReadCloser, error) {
	if _, err := d.known(id); err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	raw, err := d.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow})
	if err != nil {
		return nil, fmt.Errorf("logs of container %s: %w", id, err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, raw)
		raw.Close()
		pw.CloseWithError(err)
	}()
	return &logReader{PipeReader: pr, raw: raw}, nil
}

type logReader struct {
	*io.PipeReader
	raw io.Closer
}

func (l *logReader) Close() error {
	return errors.Join(l.raw.Close(), l.PipeReader.Close())
}

// Destroy force-removes the container and forgets the task.
func (d *Driver) Destroy(ctx context.Context, id string) error {
	err := d.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	d.tasks.delete(id)
	return nil
}
