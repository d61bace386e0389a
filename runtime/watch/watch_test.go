package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/runtime/safetensors"
)

// TestRunReportsPresentThenNew: files present before Run come first, in step
// order, then a file renamed in while Run runs, each once with the root
// commit.File gives; names that are not checkpoints are ignored. Once with
// fsnotify and a poll too slow to matter, once with polling alone.
func TestRunReportsPresentThenNew(t *testing.T) {
	for _, tc := range []struct {
		name   string
		notify bool
		poll   time.Duration
	}{
		{"fsnotify", true, time.Hour},
		{"poll", false, 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := map[int64]string{}
			for _, s := range []int64{3, 1, 10, 2} {
				n := 1000
				if s == 10 {
					n = 2*commit.ChunkSize + 12345 // three chunks, hashed in parallel
				}
				paths[s] = writeCheckpoint(t, dir, s, n)
			}
			// Not checkpoints: a writer's temp file (valid content), other
			// names, a directory.
			valid := checkpointBytes(t, 100, 9)
			for _, n := range []string{".step-00000004.safetensors.tmp-123", "step-4.safetensors", "notes.txt", "step-00000005.safetensors.tmp"} {
				if err := os.WriteFile(filepath.Join(dir, n), valid, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}

			w := newWatcher(t, Config{Dir: dir, Workers: 3, PollInterval: tc.poll}, tc.notify)
			r := startRun(t, w)
			for _, s := range []int64{1, 2, 3, 10} {
				checkAccepted(t, r.next(t), s, paths[s])
			}

			// A temp file being written, then renamed into place.
			p := writeCheckpoint(t, dir, 11, 5000)
			checkAccepted(t, r.next(t), 11, p)
			r.quiet(t, 300*time.Millisecond)
			r.stop(t)
			if rs := scanWithin(t, w); len(rs) != 0 {
				t.Errorf("Scan after Run found %d results, want none", len(rs))
			}
		})
	}
}

// TestRejected: each hostile or malformed file is rejected once, with an Err
// wrapping ErrRejected and the cause, and without blocking; a second Scan
// reports nothing.
func TestRejected(t *testing.T) {
	valid := checkpointBytes(t, 4096, 1)
	for _, tc := range []struct {
		name     string
		maxBytes int64
		// setup creates step-00000001.safetensors in dir; elsewhere is
		// another directory it may use.
		setup func(t *testing.T, dir, elsewhere string)
		want  error
	}{
		{
			name:  "truncated",
			setup: func(t *testing.T, dir, _ string) { writeAtomic(t, dir, checkpointName(1), valid[:len(valid)-1]) },
			want:  safetensors.ErrTruncated,
		},
		{
			name:  "shorter than length prefix",
			setup: func(t *testing.T, dir, _ string) { writeAtomic(t, dir, checkpointName(1), valid[:5]) },
			want:  safetensors.ErrTruncated,
		},
		{
			name:  "empty",
			setup: func(t *testing.T, dir, _ string) { writeAtomic(t, dir, checkpointName(1), nil) },
			want:  safetensors.ErrTruncated,
		},
		{
			name: "trailing bytes",
			setup: func(t *testing.T, dir, _ string) {
				writeAtomic(t, dir, checkpointName(1), append(slices.Clone(valid), 0))
			},
			want: safetensors.ErrHoles,
		},
		{
			name: "garbage header",
			setup: func(t *testing.T, dir, _ string) {
				b := slices.Clone(valid)
				copy(b[8:], "[not json")
				writeAtomic(t, dir, checkpointName(1), b)
			},
			want: safetensors.ErrBadHeader,
		},
		{
			name: "huge header length",
			setup: func(t *testing.T, dir, _ string) {
				writeAtomic(t, dir, checkpointName(1), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'})
			},
			want: safetensors.ErrHeaderTooLarge,
		},
		{
			name:     "over MaxBytes",
			maxBytes: int64(len(valid)) - 1,
			setup:    func(t *testing.T, dir, _ string) { writeAtomic(t, dir, checkpointName(1), valid) },
			want:     ErrTooLarge,
		},
		{
			name: "symlink to a valid checkpoint",
			setup: func(t *testing.T, dir, elsewhere string) {
				target := writeAtomic(t, elsewhere, checkpointName(1), valid)
				if err := os.Symlink(target, filepath.Join(dir, checkpointName(1))); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNotRegular,
		},
		{
			name: "symlink to a host file",
			setup: func(t *testing.T, dir, _ string) {
				if err := os.Symlink("/etc/passwd", filepath.Join(dir, checkpointName(1))); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNotRegular,
		},
		{
			name: "fifo",
			setup: func(t *testing.T, dir, _ string) {
				if err := syscall.Mkfifo(filepath.Join(dir, checkpointName(1)), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNotRegular,
		},
		{
			name: "directory",
			setup: func(t *testing.T, dir, _ string) {
				if err := os.Mkdir(filepath.Join(dir, checkpointName(1)), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNotRegular,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir, t.TempDir())
			w := newWatcher(t, Config{Dir: dir, MaxBytes: tc.maxBytes}, false)
			rs := scanWithin(t, w)
			if len(rs) != 1 {
				t.Fatalf("got %d results, want 1", len(rs))
			}
			r := rs[0]
			if r.Checkpoint != nil || r.Name != checkpointName(1) || r.Step != 1 {
				t.Fatalf("got %+v, want a rejection of step 1", r)
			}
			if !errors.Is(r.Err, ErrRejected) || !errors.Is(r.Err, tc.want) {
				t.Errorf("Err = %v, want ErrRejected and %v", r.Err, tc.want)
			}
			if rs := scanWithin(t, w); len(rs) != 0 {
				t.Errorf("second Scan: %d results, want none", len(rs))
			}
		})
	}
}

// TestRejectedRetriedWhenReplaced: a rejected name is looked at again once a
// new file is renamed over it; an accepted one never again.
func TestRejectedRetriedWhenReplaced(t *testing.T) {
	dir := t.TempDir()
	valid := checkpointBytes(t, 3000, 1)
	writeAtomic(t, dir, checkpointName(1), valid[:100])
	w := newWatcher(t, Config{Dir: dir}, false)
	if rs := scanWithin(t, w); len(rs) != 1 || !errors.Is(rs[0].Err, safetensors.ErrTruncated) {
		t.Fatalf("first Scan: %+v, want one truncation", rs)
	}
	if rs := scanWithin(t, w); len(rs) != 0 {
		t.Fatalf("unchanged rejected file reported again: %+v", rs)
	}
	p := writeAtomic(t, dir, checkpointName(1), valid)
	rs := scanWithin(t, w)
	if len(rs) != 1 {
		t.Fatalf("after replacement: %d results, want 1", len(rs))
	}
	checkAccepted(t, rs[0], 1, p)
	writeAtomic(t, dir, checkpointName(1), checkpointBytes(t, 10, 2))
	if rs := scanWithin(t, w); len(rs) != 0 {
		t.Fatalf("accepted name reported again: %+v", rs)
	}
}

// TestScanCatchesUnwatchedFiles: files written while no Run is watching (or
// whose events were lost) are found by Scan, once.
func TestScanCatchesUnwatchedFiles(t *testing.T) {
	dir := t.TempDir()
	p1 := writeCheckpoint(t, dir, 1, 100)
	w := newWatcher(t, Config{Dir: dir, PollInterval: time.Hour}, true)
	r := startRun(t, w)
	checkAccepted(t, r.next(t), 1, p1)
	r.stop(t)

	p2 := writeCheckpoint(t, dir, 2, 200)
	// Written in place (no rename, no temp file), as a job killed at exit
	// might leave it once complete.
	b := checkpointBytes(t, 300, 3)
	p3 := filepath.Join(dir, checkpointName(3))
	if err := os.WriteFile(p3, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rs := scanWithin(t, w)
	if len(rs) != 2 {
		t.Fatalf("Scan: %d results, want 2", len(rs))
	}
	checkAccepted(t, rs[0], 2, p2)
	checkAccepted(t, rs[1], 3, p3)
	if rs := scanWithin(t, w); len(rs) != 0 {
		t.Fatalf("second Scan: %d results, want none", len(rs))
	}
}

// TestScanWhileRunning: Run and Scan racing over the same files report each
// exactly once between them.
func TestScanWhileRunning(t *testing.T) {
	const n = 12
	dir := t.TempDir()
	w := newWatcher(t, Config{Dir: dir, Workers: 2, PollInterval: 5 * time.Millisecond}, true)
	r := startRun(t, w)

	var mu sync.Mutex
	count := map[int64]int{}
	add := func(rs ...Result) {
		mu.Lock()
		defer mu.Unlock()
		for _, res := range rs {
			if res.Err != nil {
				t.Errorf("%s rejected: %v", res.Name, res.Err)
			}
			count[res.Step]++
		}
	}
	var wg sync.WaitGroup
	stopScans := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stopScans:
				return
			default:
			}
			rs, err := w.Scan(context.Background())
			if err != nil {
				t.Errorf("Scan: %v", err)
				return
			}
			add(rs...)
		}
	})
	for s := int64(1); s <= n; s++ {
		writeCheckpoint(t, dir, s, 1000+int(s))
	}
	close(stopScans)
	wg.Wait()
	add(scanWithin(t, w)...) // after the task exits
	deadline := time.After(waitFor)
	for {
		mu.Lock()
		got := len(count)
		mu.Unlock()
		if got == n {
			break
		}
		select {
		case res := <-r.results:
			add(res)
		case <-deadline:
			t.Fatalf("reported %d of %d checkpoints", got, n)
		}
	}
	r.quiet(t, 100*time.Millisecond)
	r.stop(t)
	for s, c := range count {
		if c != 1 {
			t.Errorf("step %d reported %d times", s, c)
		}
	}
}

// TestRunMissingDir: Run fails at once when the directory cannot be listed,
// and returns nil when ctx has already ended.
func TestRunMissingDir(t *testing.T) {
	w := newWatcher(t, Config{Dir: filepath.Join(t.TempDir(), "missing")}, true)
	if err := w.Run(context.Background(), func(Result) {}); err == nil {
		t.Error("Run on a missing dir returned nil")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w = newWatcher(t, Config{Dir: t.TempDir()}, true)
	if err := w.Run(ctx, func(Result) { t.Error("result after cancel") }); err != nil {
		t.Errorf("Run with ended ctx: %v", err)
	}
}

// TestCancelledHashIsNotAVerdict: a file whose hashing is cut short by ctx
// gets no verdict and is reported by the next Scan.
func TestCancelledHashIsNotAVerdict(t *testing.T) {
	dir := t.TempDir()
	p := writeCheckpoint(t, dir, 1, 3*commit.ChunkSize)
	w := newWatcher(t, Config{Dir: dir}, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs, err := w.Scan(ctx)
	if len(rs) != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Scan with ended ctx: %+v, %v", rs, err)
	}
	// Straight to check, past sweep's ctx test: the hash itself is cut short.
	if _, ok := w.check(ctx, candidate{name: checkpointName(1), step: 1}); ok {
		t.Fatal("cancelled check gave a verdict")
	}
	rs = scanWithin(t, w)
	if len(rs) != 1 {
		t.Fatalf("Scan: %d results, want 1", len(rs))
	}
	checkAccepted(t, rs[0], 1, p)
}
