package watch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Checkpoint is a validated, committed checkpoint file.
type Checkpoint struct {
	Step   int64
	Name   string // base name, as Name writes it
	Path   string // absolute host path
	Size   int64
	Root   []byte // 32-byte Merkle root (commit.Commitment.Root)
	Chunks uint64
}

// Result is one file the watcher looked at: a Checkpoint, or Err why it was
// rejected.
type Result struct {
	Name       string
	Step       int64
	Checkpoint *Checkpoint // nil when rejected
	Err        error       // wraps ErrRejected (plus the safetensors/commit error) when rejected
}

// Watcher discovers, validates and commits the checkpoints of one job's
// checkpoint directory. Its methods are safe for concurrent use.
type Watcher struct {
	cfg    Config
	log    *slog.Logger
	notify bool // use fsnotify; tests turn it off to exercise polling alone

	// mu is held while one file is looked at and its verdict recorded, so
	// Run and Scan never give one file version two verdicts, and a Scan
	// that finds a file Run is hashing waits for Run's verdict.
	mu   sync.Mutex
	seen map[string]verdict
}

// verdict is what the watcher last decided about a name.
type verdict struct {
	accepted bool    // accepted names are final
	key      fileKey // the rejected version
}

// Option configures a Watcher.
type Option func(*Watcher)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(w *Watcher) {
		if l != nil {
			w.log = l
		}
	}
}

// New returns a Watcher of cfg.Dir. It does not touch the directory; Run
// and Scan fail if it cannot be listed.
func New(cfg Config, opts ...Option) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	cfg.Dir = filepath.Clean(cfg.Dir)
	w := &Watcher{
		cfg:    cfg,
		log:    slog.New(slog.DiscardHandler),
		notify: true,
		seen:   make(map[string]verdict),
	}
	for _, o := range opts {
		o(w)
	}
	return w, nil
}

// Run reports, through fn, every checkpoint file once: first those already
// present (in step order), then each new one as it appears, until ctx ends
// (returns nil on ctx end). fn is called from one goroutine, in order of
// discovery. It returns an error only if the first listing of the directory
// fails; later failures are logged and retried at the next rescan.
func (w *Watcher) Run(ctx context.Context, fn func(Result)) error {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if w.notify {
		// Watch before the first listing, so that nothing renamed in between
		// goes unnoticed until the next poll.
		nw, err := w.startNotify()
		if err != nil {
			w.log.Warn("no file events, polling only", "interval", w.cfg.PollInterval, "err", err)
		} else {
			defer nw.Close()
			events, errs = nw.Events, nw.Errors
		}
	}
	if err := w.sweep(ctx, fn); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	tick := time.NewTicker(w.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if !created(ev) {
				continue
			}
			drain(events)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// fsnotify.ErrEventOverflow and the like: events were lost,
			// so rescan now.
			w.log.Warn("file events", "err", err)
		case <-tick.C:
		}
		if err := w.sweep(ctx, fn); err != nil && ctx.Err() == nil {
			w.log.Warn("rescan checkpoint dir", "err", err)
		}
	}
}

// Scan reports the files present now and not yet reported (in step order)
// and returns them; used after a task exits so nothing written just before
// exit is missed. Safe to call while Run is active or after it returned; a
// file is never reported twice by the same Watcher. A file Run is looking at
// when Scan comes to it is Run's to report. On error, the results so far are
// returned with it: they count as reported.
func (w *Watcher) Scan(ctx context.Context) ([]Result, error) {
	var out []Result
	err := w.sweep(ctx, func(r Result) { out = append(out, r) })
	return out, err
}

func (w *Watcher) startNotify() (*fsnotify.Watcher, error) {
	nw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", w.cfg.Dir, err)
	}
	if err := nw.Add(w.cfg.Dir); err != nil {
		nw.Close()
		return nil, fmt.Errorf("watch %s: %w", w.cfg.Dir, err)
	}
	return nw, nil
}

// created says whether ev may have put a new checkpoint in place: a create
// (which a rename into the directory is) under a checkpoint name. Writes are
// left to the poll, so a job that writes a checkpoint in place instead of
// renaming it gets at most one rejection per PollInterval.
func created(ev fsnotify.Event) bool {
	_, ok := ParseName(filepath.Base(ev.Name))
	return ok && ev.Has(fsnotify.Create)
}

// drain discards the events already waiting: one rescan covers them all.
func drain(events <-chan fsnotify.Event) {
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// candidate is a directory entry with a checkpoint name.
type candidate struct {
	name string
	step int64
}

// sweep lists the directory and gives fn a verdict on each checkpoint not
// yet decided, in step order.
func (w *Watcher) sweep(ctx context.Context, fn func(Result)) error {
	cands, err := w.list()
	if err != nil {
		return err
	}
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("scan %s: %w", w.cfg.Dir, err)
		}
		if r, ok := w.check(ctx, c); ok {
			fn(r)
		}
	}
	return nil
}

// list returns the checkpoint names in the directory, by step. It reads
// names in batches and keeps only checkpoint names, so a directory the job
// filled with other junk costs time, not memory.
func (w *Watcher) list() ([]candidate, error) {
	d, err := os.Open(w.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", w.cfg.Dir, err)
	}
	defer d.Close()
	var out []candidate
	for {
		names, err := d.Readdirnames(1024)
		for _, n := range names {
			if step, ok := ParseName(n); ok {
				out = append(out, candidate{name: n, step: step})
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", w.cfg.Dir, err)
		}
	}
	slices.SortFunc(out, func(a, b candidate) int { return cmp.Compare(a.step, b.step) })
	return out, nil
}

// check gives a verdict on c unless it has one already: false when the
// file was decided before, vanished, or could not be looked at for reasons
// that are not the file's (ctx ended, no descriptors left).
func (w *Watcher) check(ctx context.Context, c candidate) (Result, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	prev, decided := w.seen[c.name]
	if decided && prev.accepted {
		return Result{}, false
	}
	path := filepath.Join(w.cfg.Dir, c.name)
	lst, err := os.Lstat(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.log.Warn("stat checkpoint", "name", c.name, "err", err)
		}
		return Result{}, false
	}
	if decided && prev.key == keyOf(lst) {
		return Result{}, false
	}
	key, cm, err := w.inspect(ctx, path, lst)
	switch {
	case err != nil && ctx.Err() != nil:
		return Result{}, false // the next Run or Scan looks again
	case errors.Is(err, errGone):
		return Result{}, false
	case err != nil && transient(err):
		w.log.Warn("checkpoint not checked, will retry", "name", c.name, "err", err)
		return Result{}, false
	}
	r := Result{Name: c.name, Step: c.step}
	if err != nil {
		w.seen[c.name] = verdict{key: key}
		r.Err = fmt.Errorf("%w: %s: %w", ErrRejected, c.name, err)
		w.log.Warn("checkpoint rejected", "name", c.name, "err", err)
		return r, true
	}
	w.seen[c.name] = verdict{accepted: true, key: key}
	r.Checkpoint = &Checkpoint{
		Step:   c.step,
		Name:   c.name,
		Path:   path,
		Size:   int64(cm.Size),
		Root:   cm.Root,
		Chunks: cm.Chunks,
	}
	w.log.Debug("checkpoint committed", "name", c.name, "size", cm.Size, "root", cm.Hex())
	return r, true
}
