package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
	"github.com/gpunet/gpunet/runtime/alloc"
	"github.com/gpunet/gpunet/runtime/inputs"
	"github.com/gpunet/gpunet/runtime/watch"
)

// ErrStopped is returned by Run and Resume when Stop ended the run.
var ErrStopped = errors.New("run stopped")

// Config configures a Runner.
type Config struct {
	// WorkDir holds one directory per job: checkpoints/, inputs/, logs/.
	WorkDir string
	// MaxRestarts bounds the tasks started after one was killed from outside.
	MaxRestarts int
	// StopTimeout is how long Stop waits after SIGTERM before it kills.
	StopTimeout time.Duration
	// MaxLogBytes bounds each attempt's log file; the rest is dropped.
	MaxLogBytes int64
	// HashWorkers hash checkpoint chunks; 0 means GOMAXPROCS.
	HashWorkers int
	// Owner marks this runner's tasks (TaskConfig.Owner); empty means
	// OwnerOf(WorkDir), which stays the same across restarts.
	Owner string
}

// OwnerOf is the default owner of a runner on workDir: job IDs are only
// unique within one chain, and two providers on one engine each have their
// own work directory.
func OwnerOf(workDir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(workDir)))
	return hex.EncodeToString(sum[:8])
}

func (c Config) owner() string {
	if c.Owner != "" {
		return c.Owner
	}
	return OwnerOf(c.WorkDir)
}

// DefaultConfig returns the defaults for a work directory.
func DefaultConfig(workDir string) Config {
	return Config{WorkDir: workDir, MaxRestarts: 3, StopTimeout: 30 * time.Second, MaxLogBytes: 64 << 20}
}

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.WorkDir == "" || !filepath.IsAbs(c.WorkDir):
		return fmt.Errorf("runner config: work dir %q must be an absolute path", c.WorkDir)
	case c.MaxRestarts < 0:
		return fmt.Errorf("runner config: max restarts %d must be >= 0", c.MaxRestarts)
	case c.StopTimeout <= 0:
		return fmt.Errorf("runner config: stop timeout must be > 0")
	case c.MaxLogBytes <= 0:
		return fmt.Errorf("runner config: max log bytes must be > 0")
	}
	return nil
}

// Progress is one progress line of the job: {"step":N,"loss":x}.
type Progress struct {
	Step    int64
	Loss    float64
	HasLoss bool
}

// Hooks are the runner's optional callbacks. They run on the runner's
// goroutines and must not block for long.
type Hooks struct {
	// Checkpoint is called once per committed checkpoint of the run.
	Checkpoint func(ctx context.Context, jobID string, c Checkpoint)
	// Progress is called for every progress line the job prints.
	Progress func(jobID string, p Progress)
	// Log receives every line the job prints, without its newline.
	Log func(jobID string, line []byte)
	// State is called after each state change has been persisted.
	State func(jobID string, s State, attempt int)
}

// Runner runs jobs through one driver. It is safe for concurrent use, one
// Run or Resume per job at a time.
type Runner struct {
	cfg    Config
	driver gprt.Driver
	store  Store
	gpus   *alloc.Allocator
	fetch  *inputs.Fetcher
	hooks  Hooks
	log    *slog.Logger

	mu       sync.Mutex
	stopping map[string]bool
}

// Option configures a Runner.
type Option func(*Runner)

// WithLogger sets the runner's logger.
func WithLogger(l *slog.Logger) Option { return func(r *Runner) { r.log = l } }

// WithHooks sets the runner's callbacks.
func WithHooks(h Hooks) Option { return func(r *Runner) { r.hooks = h } }

// WithInputs lets the runner fetch jobs' inputs; without it a job with
// inputs is refused.
func WithInputs(f *inputs.Fetcher) Option { return func(r *Runner) { r.fetch = f } }

// New returns a Runner. gpus hands out this machine's GPUs; a host without
// any passes an allocator over none.
func New(cfg Config, driver gprt.Driver, store Store, gpus *alloc.Allocator, opts ...Option) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if driver == nil || store == nil || gpus == nil {
		return nil, fmt.Errorf("runner: driver, store and GPU allocator are required")
	}
	r := &Runner{cfg: cfg, driver: driver, store: store, gpus: gpus, log: slog.New(slog.DiscardHandler), stopping: map[string]bool{}}
	for _, o := range opts {
		o(r)
	}
	r.log = r.log.With("component", "runner", "driver", driver.Name())
	return r, nil
}

// Dir is the job's work directory.
func (r *Runner) Dir(jobID string) string { return filepath.Join(r.cfg.WorkDir, "jobs", jobID) }

// CheckpointDir is where the job's checkpoints are.
func (r *Runner) CheckpointDir(jobID string) string {
	return filepath.Join(r.Dir(jobID), "checkpoints")
}

// LogPath is the log file of one attempt of the job.
func (r *Runner) LogPath(jobID string, attempt int) string {
	return filepath.Join(r.Dir(jobID), "logs", fmt.Sprintf("attempt-%d.log", attempt))
}

func (r *Runner) inputDir(jobID string) string { return filepath.Join(r.Dir(jobID), "inputs") }

// Run starts job and supervises it until it succeeds, fails or is stopped,
// or ctx ends. When ctx ends the task keeps running and the record says so:
// Resume picks it up again, in this process or the next. A job that already
// has a run that has not finished is resumed rather than started twice.
func (r *Runner) Run(ctx context.Context, job Job) (Record, error) {
	if err := job.Validate(); err != nil {
		return Record{}, err
	}
	if len(job.Spec.Inputs) > 0 && r.fetch == nil {
		return Record{}, fmt.Errorf("run job %s: %w: it has inputs and this runner fetches none", job.ID, ErrInvalidJob)
	}
	old, ok, err := r.store.LoadRun(job.ID)
	if err != nil {
		return Record{}, fmt.Errorf("run job %s: %w", job.ID, err)
	}
	if ok {
		if old.State.Terminal() {
			return old, fmt.Errorf("run job %s: %w (%s); delete it to run again", job.ID, ErrFinished, old.State)
		}
		return r.Resume(ctx, job.ID)
	}
	rn := &run{r: r, rec: Record{Version: RecordVersion, Job: job, State: StateStarting, Driver: r.driver.Name(), Rejected: map[string]string{}}}
	orphan, err := r.adoptable(ctx, job.ID)
	if err != nil {
		return Record{}, fmt.Errorf("run job %s: %w", job.ID, err)
	}
	if orphan != nil {
		// The job's task outlived this daemon's record of it (a lost or
		// deleted store): take it over rather than start a second copy.
		rn.rec.Handle, rn.rec.Attempt, rn.rec.State = orphan, 1, StateRunning
	}
	if err := rn.save(); err != nil {
		return rn.rec, err
	}
	if err := r.prepare(ctx, rn); err != nil {
		return rn.fail(ctx, err)
	}
	if orphan != nil {
		if err := r.driver.Recover(ctx, orphan); err == nil {
			r.log.WarnContext(ctx, "adopted a task of this job that had no record", "job", job.ID, "task", orphan.ID)
			return r.supervise(ctx, rn, false)
		}
	}
	return r.supervise(ctx, rn, true)
}

// adoptable returns the job's task that runs without a record, destroying
// any further ones, or nil. Drivers that cannot find tasks have none.
func (r *Runner) adoptable(ctx context.Context, jobID string) (*gprt.TaskHandle, error) {
	f, ok := r.driver.(gprt.TaskFinder)
	if !ok {
		return nil, nil
	}
	hs, err := f.FindTasks(ctx, r.cfg.owner(), jobID)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	for _, extra := range hs[1:] {
		if err := r.driver.Destroy(ctx, extra.ID); err != nil {
			r.log.WarnContext(ctx, "remove a surplus task of the job", "job", jobID, "task", extra.ID, "err", err)
		}
	}
	return hs[0], nil
}

// Resume picks a run up after a restart: it re-attaches to its task where
// the task still exists, and otherwise starts a new one from the last
// committed checkpoint.
func (r *Runner) Resume(ctx context.Context, jobID string) (Record, error) {
	rec, ok, err := r.store.LoadRun(jobID)
	switch {
	case err != nil:
		return Record{}, fmt.Errorf("resume job %s: %w", jobID, err)
	case !ok:
		return Record{}, fmt.Errorf("resume job %s: %w", jobID, ErrNoRun)
	case rec.State.Terminal():
		return rec, fmt.Errorf("resume job %s: %w (%s)", jobID, ErrFinished, rec.State)
	}
	if rec.Rejected == nil {
		rec.Rejected = map[string]string{}
	}
	rn := &run{r: r, rec: rec}
	if err := r.prepare(ctx, rn); err != nil {
		return rn.fail(ctx, err)
	}
	if rec.Handle != nil && rec.State != StateStopped {
		if err := r.driver.Recover(ctx, rec.Handle); err == nil {
			r.log.InfoContext(ctx, "re-attached to task", "job", jobID, "task", rec.Handle.ID, "attempt", rec.Attempt)
			return r.supervise(ctx, rn, false)
		} else {
			r.log.WarnContext(ctx, "task is gone; starting a new one from the last checkpoint", "job", jobID, "task", rec.Handle.ID, "err", err)
		}
	}
	return r.supervise(ctx, rn, true)
}

// Stop stops the job's task and ends its Run or Resume with ErrStopped; the
// record keeps every checkpoint and Resume goes on from the last one.
func (r *Runner) Stop(ctx context.Context, jobID string) error {
	rec, ok, err := r.store.LoadRun(jobID)
	if err != nil || !ok {
		return fmt.Errorf("stop job %s: %w", jobID, errors.Join(err, ErrNoRun))
	}
	if rec.Handle == nil || rec.State.Terminal() {
		return nil
	}
	r.mu.Lock()
	r.stopping[jobID] = true
	r.mu.Unlock()
	if err := r.driver.Stop(ctx, rec.Handle.ID, r.cfg.StopTimeout); err != nil && !errors.Is(err, gprt.ErrTaskNotFound) {
		return fmt.Errorf("stop job %s: %w", jobID, err)
	}
	return nil
}

func (r *Runner) takeStopping(jobID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stopping[jobID]
	delete(r.stopping, jobID)
	return s
}

// prepare makes the job's directories, holds its GPUs, fetches its inputs
// and puts the checkpoint it resumes from where the task can read it. Each
// step is idempotent, so Resume repeats it.
func (r *Runner) prepare(ctx context.Context, rn *run) error {
	job := rn.rec.Job
	dir := r.Dir(job.ID)
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{dir, 0o700}, {filepath.Join(dir, "logs"), 0o700}, {r.CheckpointDir(job.ID), 0o777}} {
		if err := os.MkdirAll(d.path, d.mode); err != nil {
			return fmt.Errorf("create %s: %w", d.path, err)
		}
		// The task may run as another user (65532 in the sandbox) and must
		// write its checkpoints; the job directory above it stays private.
		if err := os.Chmod(d.path, d.mode); err != nil {
			return fmt.Errorf("chmod %s: %w", d.path, err)
		}
	}
	gpus, err := r.gpus.Allocate(job.ID, int(job.Spec.Resources.GPUs))
	if err != nil {
		return fmt.Errorf("allocate GPUs: %w", err)
	}
	rn.mu.Lock()
	rn.rec.GPUs = gpus
	rn.mu.Unlock()
	if len(job.Spec.Inputs) > 0 {
		if err := r.fetch.Fetch(ctx, job.Spec.Inputs, r.inputDir(job.ID), job.Spec.Resources.DiskMiB<<20); err != nil {
			return fmt.Errorf("fetch inputs: %w", err)
		}
	}
	if job.ResumeFrom != "" {
		dst := filepath.Join(r.CheckpointDir(job.ID), watch.Name(job.StartStep))
		if err := copyFile(job.ResumeFrom, dst); err != nil {
			return fmt.Errorf("place checkpoint to resume from: %w", err)
		}
	}
	return rn.save()
}

// copyFile copies src to dst through a temporary file and a rename, unless
// dst is already src.
func copyFile(src, dst string) error {
	if sa, err := filepath.Abs(src); err == nil && sa == dst {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".resume-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// Forget deletes a finished run's record and work directory, so that the
// job can run here again (the chain placed it here a second time).
func (r *Runner) Forget(jobID string) error {
	rec, ok, err := r.store.LoadRun(jobID)
	if err != nil || !ok {
		return err
	}
	if !rec.State.Terminal() {
		return fmt.Errorf("forget job %s: its run is %s, not finished", jobID, rec.State)
	}
	return errors.Join(r.store.DeleteRun(jobID), os.RemoveAll(r.Dir(jobID)))
}

// Record returns the job's run record.
func (r *Runner) Record(jobID string) (Record, bool, error) { return r.store.LoadRun(jobID) }

// Records returns every run record this runner's store holds.
func (r *Runner) Records() ([]Record, error) { return r.store.ListRuns() }

// Abandon ends a run this machine no longer owns (the chain moved the job
// elsewhere while the daemon was down): its task is removed, its GPUs are
// released and it is marked stopped. The record and its checkpoints stay,
// to be served.
func (r *Runner) Abandon(ctx context.Context, jobID string) error {
	rec, ok, err := r.store.LoadRun(jobID)
	if err != nil || !ok || rec.State.Terminal() || rec.State == StateStopped {
		return err
	}
	rn := &run{r: r, rec: rec}
	if rec.Handle != nil {
		if err := r.driver.Recover(ctx, rec.Handle); err == nil {
			_ = r.driver.Stop(ctx, rec.Handle.ID, r.cfg.StopTimeout)
		}
	}
	r.finish(ctx, rn)
	return rn.setState(StateStopped)
}
