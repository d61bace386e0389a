package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	nodegpu "github.com/gpunet/gpunet/node/gpu"
	"github.com/gpunet/gpunet/node/store"
	gprt "github.com/gpunet/gpunet/runtime"
	"github.com/gpunet/gpunet/runtime/alloc"
	"github.com/gpunet/gpunet/runtime/docker"
	rexec "github.com/gpunet/gpunet/runtime/exec"
	"github.com/gpunet/gpunet/runtime/inputs"
	"github.com/gpunet/gpunet/runtime/runner"
	"github.com/gpunet/gpunet/stake/jobspec"
)

type runFlags struct {
	driver, workDir, jobID, image, program, resumeFrom, ipfsGateway string
	seed                                                            uint64
	startStep, endStep                                              int64
	fresh, logs, allowPrivate                                       bool
	inputRoots                                                      []string
}

func runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a job spec on this machine through a runtime driver, without a chain",
		Long: `run runs a job spec here, as a provider would, for job authors to test their
image against the job contract: the same sandbox (docker driver) or a plain
process (exec driver, no sandbox), the contract's environment, input fetching,
and a commitment (Merkle root) for every checkpoint the job writes.

Checkpoints, logs and the run's state live under --work-dir. Ctrl-C stops the
job and keeps its checkpoints; running the same command again resumes from
the last one. If the gpunet process itself dies, running the command again
re-attaches to the job's container, which kept running.

To check segment determinism, replay steps [a, b) from a checkpoint:

  gpunet run job.yaml --job-id replay --start-step 100 --end-step 150 \
      --resume-from gpunet-run/jobs/job/checkpoints/step-00000100.safetensors

and compare the root of step 150 with the uninterrupted run's.`,
		Args: exactArgs(1, "FILE, the job spec (YAML)"),
		RunE: func(cmd *cobra.Command, args []string) error { return runJob(cmd, args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.driver, "driver", "docker", "runtime driver: docker (sandboxed) or exec (plain process, no sandbox)")
	fl.StringVar(&f.workDir, "work-dir", "gpunet-run", "directory for the run's state, checkpoints, inputs and logs")
	fl.StringVar(&f.jobID, "job-id", "", "name of the run (default: the spec's name)")
	fl.StringVar(&f.image, "image", "", "docker: image to run instead of the spec's; a tag is resolved to its local image ID")
	fl.StringVar(&f.program, "program", "", "exec: host executable to run instead of the spec's command[0]")
	fl.Uint64Var(&f.seed, "seed", 1, "GPUNET_SEED for the job")
	fl.Int64Var(&f.startStep, "start-step", 0, "first step to run (needs --resume-from when > 0)")
	fl.Int64Var(&f.endStep, "end-step", 0, "last step (default: the spec's steps)")
	fl.StringVar(&f.resumeFrom, "resume-from", "", "checkpoint holding --start-step")
	fl.BoolVar(&f.fresh, "fresh", false, "discard a previous run of this job in the work dir and start over")
	fl.BoolVar(&f.logs, "logs", false, "print the job's output on stderr")
	fl.StringSliceVar(&f.inputRoots, "input-root", nil, "directory file:// inputs may come from (repeatable)")
	fl.StringVar(&f.ipfsGateway, "ipfs-gateway", "", "HTTP gateway for ipfs:// inputs, e.g. http://127.0.0.1:8080")
	fl.BoolVar(&f.allowPrivate, "allow-private-inputs", false, "let http(s) inputs come from loopback and private addresses")
	return cmd
}

func runJob(cmd *cobra.Command, file string, f runFlags) error {
	ctx := cmd.Context()
	data, err := os.ReadFile(file)
	if err != nil {
		return usageError{fmt.Errorf("read job spec: %w", err)}
	}
	spec, err := jobspec.ParseYAML(data)
	if err != nil {
		return err
	}
	if f.jobID == "" {
		f.jobID = spec.Name
	}
	workDir, err := filepath.Abs(f.workDir)
	if err != nil {
		return usageError{fmt.Errorf("--work-dir: %w", err)}
	}
	if err := os.MkdirAll(workDir, 0o700); err != nil {
		return fmt.Errorf("create work dir: %w", err)
	}
	st, err := store.Open(filepath.Join(workDir, "state.db"))
	if err != nil {
		return fmt.Errorf("open run state in %s: %w", workDir, err)
	}
	defer st.Close()

	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	driver, job, err := runDriver(ctx, spec, f, workDir, logger)
	if err != nil {
		return err
	}
	if c, ok := driver.(io.Closer); ok {
		defer c.Close()
	}
	var gpus []string
	if spec.Resources.GPUs > 0 {
		if gpus, err = offerableGPUs(ctx); err != nil {
			return err
		}
	}
	allocator, err := alloc.New(st, gpus, alloc.WithLogger(logger))
	if err != nil {
		return err
	}
	icfg := inputs.DefaultConfig(filepath.Join(workDir, "cache"))
	icfg.FileRoots, icfg.IPFSGateway, icfg.AllowPrivateNetworks = f.inputRoots, f.ipfsGateway, f.allowPrivate
	fetcher, err := inputs.New(icfg, inputs.WithLogger(logger))
	if err != nil {
		return usageError{err}
	}

	ui := newRunUI(cmd, job, f.logs)
	r, err := runner.New(runner.DefaultConfig(workDir), driver, st, allocator,
		runner.WithLogger(logger), runner.WithInputs(fetcher), runner.WithHooks(ui.hooks()))
	if err != nil {
		return err
	}

	old, had, err := st.LoadRun(job.ID)
	if err != nil {
		return err
	}
	resume := false
	switch {
	case had && f.fresh:
		if old.Handle != nil && !old.State.Terminal() {
			if err := driver.Recover(ctx, old.Handle); err == nil {
				_ = driver.Destroy(ctx, old.Handle.ID)
			}
		}
		if err := errors.Join(allocator.Release(job.ID), st.DeleteRun(job.ID), os.RemoveAll(r.Dir(job.ID))); err != nil {
			return fmt.Errorf("discard the previous run of %s: %w", job.ID, err)
		}
	case had && old.State.Terminal():
		return fmt.Errorf("%s already holds a %s run of %s; pass --fresh to run it again, or --job-id to run it under another name", workDir, old.State, job.ID)
	case had:
		resume = true
		fmt.Fprintf(ui.errw, "resuming the %s run of %s from step %d (attempt %d)\n", old.State, job.ID, old.LastStep(), old.Attempt)
	}

	// Ctrl-C stops the job, keeping its checkpoints; the process dying
	// without it (SIGKILL) leaves the job running for the next run to find.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-sigc:
			fmt.Fprintln(ui.errw, "\nstopping the job; run the same command again to resume it")
			if err := r.Stop(context.WithoutCancel(ctx), job.ID); err != nil {
				fmt.Fprintln(ui.errw, "stop:", err)
			}
		case <-finished:
		}
	}()

	var rec runner.Record
	if resume {
		rec, err = r.Resume(ctx, job.ID)
	} else {
		rec, err = r.Run(ctx, job)
	}
	ui.done()
	if err != nil && !rec.State.Terminal() && rec.State != runner.StateStopped {
		return err
	}
	if wantJSON(cmd) {
		if jerr := printJSON(cmd.OutOrStdout(), runResult{Record: rec, CheckpointDir: r.CheckpointDir(job.ID)}); jerr != nil {
			return jerr
		}
	} else {
		printRun(cmd.OutOrStdout(), rec, r.CheckpointDir(job.ID))
	}
	return err
}

type runResult struct {
	runner.Record
	CheckpointDir string `json:"checkpoint_dir"`
}

// runDriver builds the driver --driver names and the job it runs.
func runDriver(ctx context.Context, spec *jobspec.Spec, f runFlags, workDir string, logger *slog.Logger) (gprt.Driver, runner.Job, error) {
	job := runner.Job{ID: f.jobID, Spec: spec, Seed: f.seed, StartStep: f.startStep, EndStep: f.endStep}
	if f.resumeFrom != "" {
		p, err := filepath.Abs(f.resumeFrom)
		if err != nil {
			return nil, job, usageError{fmt.Errorf("--resume-from: %w", err)}
		}
		job.ResumeFrom = p
	}
	switch f.driver {
	case docker.Name:
		if f.program != "" {
			return nil, job, usageError{errors.New("--program is for --driver exec; the docker driver runs --image or the spec's image")}
		}
		d, err := docker.New(docker.DefaultConfig(), docker.WithLogger(logger))
		if err != nil {
			return nil, job, err
		}
		if err := d.Ping(ctx); err != nil {
			d.Close()
			return nil, job, fmt.Errorf("%w; start the Docker engine, or use --driver exec to run a host program without a sandbox", err)
		}
		job.Image, job.Command = spec.Image, spec.Command
		if f.image != "" {
			id, err := d.ImageID(ctx, f.image)
			if err != nil {
				d.Close()
				return nil, job, usageError{fmt.Errorf("--image: %w", err)}
			}
			job.Image = id
		}
		return d, job, nil
	case rexec.Name:
		if f.image != "" {
			return nil, job, usageError{errors.New("--image is for --driver docker; the exec driver runs --program")}
		}
		prog, args := f.program, []string(nil)
		if len(spec.Command) > 0 {
			args = spec.Command[1:]
			if prog == "" {
				prog = spec.Command[0]
			}
		}
		if prog == "" {
			return nil, job, usageError{errors.New("--program: the spec has no command; name the host executable to run")}
		}
		p, err := filepath.Abs(prog)
		if err != nil {
			return nil, job, usageError{fmt.Errorf("--program: %w", err)}
		}
		job.Image, job.Command = p, args
		d, err := rexec.New(rexec.Config{StateDir: filepath.Join(workDir, "exec")}, rexec.WithLogger(logger))
		return d, job, err
	}
	return nil, job, usageError{fmt.Errorf("--driver: %q is not a driver; use docker or exec", f.driver)}
}

func offerableGPUs(ctx context.Context) ([]string, error) {
	src := nodegpu.Detect(slog.New(slog.DiscardHandler))
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	inv, err := src.Inventory(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range inv.GPUs {
		if nodegpu.Offerable(g) {
			out = append(out, g.UUID)
		}
	}
	return out, nil
}

// runUI shows a run's progress: a bar on a terminal, a line per checkpoint
// otherwise.
type runUI struct {
	errw       io.Writer
	start, end int64
	bar        *progressbar.ProgressBar
	logs       bool
}

func newRunUI(cmd *cobra.Command, job runner.Job, logs bool) *runUI {
	u := &runUI{errw: cmd.ErrOrStderr(), start: job.StartStep, end: job.End(), logs: logs}
	if f, ok := u.errw.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !logs {
		u.bar = progressbar.NewOptions64(u.end-u.start,
			progressbar.OptionSetWriter(u.errw),
			progressbar.OptionSetDescription(job.ID),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish())
	}
	return u
}

func (u *runUI) hooks() runner.Hooks {
	return runner.Hooks{
		Progress: func(_ string, p runner.Progress) {
			if u.bar != nil {
				_ = u.bar.Set64(min(max(p.Step-u.start, 0), u.end-u.start))
				if p.HasLoss {
					u.bar.Describe(fmt.Sprintf("loss %.4g", p.Loss))
				}
			}
		},
		Checkpoint: func(_ context.Context, _ string, c runner.Checkpoint) {
			if u.bar == nil {
				fmt.Fprintf(u.errw, "checkpoint step %d/%d  root %s\n", c.Step, u.end, c.Root)
			}
		},
		Log: func(_ string, line []byte) {
			if u.logs {
				fmt.Fprintf(u.errw, "| %s\n", line)
			}
		},
	}
}

func (u *runUI) done() {
	if u.bar != nil {
		_ = u.bar.Finish()
	}
}

func printRun(w io.Writer, rec runner.Record, dir string) {
	if len(rec.Checkpoints) > 0 {
		t := newTable(w, "STEP", "COMMITMENT (MERKLE ROOT)", "BYTES", "CHUNKS")
		for _, c := range rec.Checkpoints {
			t.AppendRow(table.Row{c.Step, c.Root, c.Size, c.Chunks})
		}
		t.Render()
	}
	fmt.Fprintf(w, "%s: %s after %d attempt(s); checkpoints in %s\n", rec.Job.ID, rec.State, rec.Attempt, dir)
	if rec.Error != "" {
		fmt.Fprintf(w, "error: %s\n", rec.Error)
	}
	for _, name := range slices.Sorted(maps.Keys(rec.Rejected)) {
		fmt.Fprintf(w, "rejected %s: %s\n", name, strings.TrimSpace(rec.Rejected[name]))
	}
}
