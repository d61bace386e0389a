package leases

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/node/streams"
	"github.com/gpunet/gpunet/runtime/runner"
)

var (
	_ streams.Checkpoints = (*Worker)(nil)
	_ streams.Logs        = (*Worker)(nil)
)

// OpenCheckpoint serves a checkpoint this provider committed.
func (w *Worker) OpenCheckpoint(_ context.Context, jobID uint64, step int64) (*os.File, []byte, error) {
	rec, ok, err := w.run.Record(RunnerID(jobID))
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("job %d: %w", jobID, streams.ErrNotFound)
	}
	for _, c := range rec.Checkpoints {
		if c.Step != step {
			continue
		}
		root, err := c.RootBytes()
		if err != nil {
			return nil, nil, err
		}
		f, err := os.Open(filepath.Join(w.run.CheckpointDir(RunnerID(jobID)), c.Name))
		if err != nil {
			return nil, nil, fmt.Errorf("job %d step %d: %w", jobID, step, streams.ErrNotFound)
		}
		return f, root, nil
	}
	return nil, nil, fmt.Errorf("job %d has no committed checkpoint at step %d: %w", jobID, step, streams.ErrNotFound)
}

// OpenLogs serves the output of the job's latest attempt here. Following
// ends once the run has ended and the file is read to its end.
func (w *Worker) OpenLogs(ctx context.Context, jobID uint64, follow bool) (io.ReadCloser, error) {
	id := RunnerID(jobID)
	rec, ok, err := w.run.Record(id)
	if err != nil {
		return nil, err
	}
	if !ok || rec.Attempt == 0 {
		return nil, fmt.Errorf("job %d has not run here: %w", jobID, streams.ErrNotFound)
	}
	f, err := os.Open(w.run.LogPath(id, rec.Attempt))
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", jobID, streams.ErrNotFound)
	}
	if !follow {
		return f, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	return &tail{f: f, ctx: ctx, cancel: cancel, ended: func() bool {
		r, ok, err := w.run.Record(id)
		return err != nil || !ok || r.State.Terminal() || r.State == runner.StateStopped
	}}, nil
}

// tail reads a growing file until ended says the writer is done.
type tail struct {
	f      *os.File
	ctx    context.Context
	cancel context.CancelFunc
	ended  func() bool
}

func (t *tail) Read(p []byte) (int, error) {
	for {
		n, err := t.f.Read(p)
		if n > 0 || !errors.Is(err, io.EOF) {
			return n, err
		}
		if t.ended() {
			// One more read: the writer may have flushed before it ended.
			if n, err := t.f.Read(p); n > 0 {
				return n, err
			}
			return 0, io.EOF
		}
		select {
		case <-t.ctx.Done():
			return 0, io.EOF
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (t *tail) Close() error { t.cancel(); return t.f.Close() }

// Clients answers whose job a job is, from the chain.
type Clients struct{ Chain Chain }

// ClientOf implements streams.JobClients.
func (c Clients) ClientOf(ctx context.Context, jobID uint64) (sdk.AccAddress, error) {
	j, err := c.Chain.Job(ctx, jobID)
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", jobID, streams.ErrNotFound)
	}
	return sdk.AccAddressFromBech32(j.Client)
}
