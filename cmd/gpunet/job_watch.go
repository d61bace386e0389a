package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// watchInterval is how often a watch polls the chain.
const watchInterval = time.Second

// watchAndReport follows job id until it ends, then prints it (as text, or
// through emitJSON with --output json). A job that ended other than
// SUCCEEDED is an error, so the command exits 1.
func watchAndReport(cmd *cobra.Command, id uint64, emitJSON func(types.Job) error) error {
	j, err := watchJob(cmd, id)
	if err != nil {
		return err
	}
	if wantJSON(cmd) {
		err = emitJSON(j)
	} else {
		printJob(cmd.OutOrStdout(), j)
	}
	if err != nil {
		return err
	}
	if j.Status != types.JOB_STATUS_SUCCEEDED {
		msg := fmt.Sprintf("job %d ended %s", j.Id, j.Status.ShortName())
		if j.Reason != "" {
			msg += ": " + j.Reason
		}
		return errors.New(msg)
	}
	return nil
}

// watchJob polls the chain every second until job id is in a terminal
// status, showing its steps on stderr: a bar on a terminal, a line per
// change otherwise. Ctrl-C stops watching (the job runs on).
func watchJob(cmd *cobra.Command, id uint64) (types.Job, error) {
	s, err := connect(cmd)
	if err != nil {
		return types.Job{}, err
	}
	defer s.Close()
	timeout, _ := cmd.Flags().GetDuration("timeout")
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var ui *watchUI
	defer func() {
		if ui != nil {
			ui.done()
		}
	}()
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, timeout)
		res, err := s.Query.Job(qctx, &types.QueryJobRequest{Id: id})
		cancel()
		if ctx.Err() != nil {
			return types.Job{}, fmt.Errorf("stopped watching job %d; it runs on: see `gpunet job status %d`", id, id)
		}
		if err != nil {
			return types.Job{}, unwrap(err)
		}
		j := res.Job
		if ui == nil {
			ui = newWatchUI(cmd.ErrOrStderr(), j)
		}
		ui.update(j)
		if j.Status.Terminal() {
			return j, nil
		}
		select {
		case <-ctx.Done():
			return types.Job{}, fmt.Errorf("stopped watching job %d (%s); it runs on: see `gpunet job status %d`", id, j.Status.ShortName(), id)
		case <-tick.C:
		}
	}
}

// watchUI shows a watched job's steps done: a progress bar on a terminal,
// else a line "step N/M status S" whenever either changes.
type watchUI struct {
	w        io.Writer
	steps    int64
	bar      *progressbar.ProgressBar
	lastStep int64
	lastStat types.JobStatus
	shown    bool
}

func newWatchUI(w io.Writer, j types.Job) *watchUI {
	u := &watchUI{w: w}
	if spec, err := jobspec.ParseCanonical([]byte(j.Spec)); err == nil {
		u.steps = spec.Steps
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && u.steps > 0 {
		u.bar = progressbar.NewOptions64(u.steps,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(fmt.Sprintf("job %d %s", j.Id, j.Status.ShortName())),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish())
	}
	return u
}

func (u *watchUI) update(j types.Job) {
	step := jobStepsDone(j)
	if u.shown && step == u.lastStep && j.Status == u.lastStat {
		return
	}
	u.shown, u.lastStep, u.lastStat = true, step, j.Status
	if u.bar != nil {
		u.bar.Describe(fmt.Sprintf("job %d %s", j.Id, j.Status.ShortName()))
		_ = u.bar.Set64(min(max(step, 0), u.steps))
		return
	}
	fmt.Fprintf(u.w, "step %d/%d status %s\n", step, u.steps, j.Status.ShortName())
}

func (u *watchUI) done() {
	if u.bar != nil {
		_ = u.bar.Finish()
	}
}
