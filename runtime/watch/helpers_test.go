package watch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/runtime/safetensors"
)

// waitFor bounds every wait in these tests; the CI machine is slow and busy.
const waitFor = 20 * time.Second

// checkpointName is the file name of step, as the trainer writes it.
func checkpointName(step int64) string { return fmt.Sprintf("step-%08d.safetensors", step) }

// checkpointBytes is a valid safetensors file with one U8 tensor of n bytes
// filled from seed.
func checkpointBytes(t *testing.T, n int, seed byte) []byte {
	t.Helper()
	data := make([]byte, n)
	for i := range data {
		data[i] = seed + byte(i*7)
	}
	var b bytes.Buffer
	err := safetensors.Write(&b, map[string]string{"format": "test"}, []safetensors.NamedData{
		{Name: "w", DType: safetensors.U8, Shape: []uint64{uint64(n)}, Data: data},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeAtomic writes b to dir/name as the trainer does: a hidden temp file,
// then a rename into place.
func writeAtomic(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeCheckpoint writes a valid checkpoint of about n bytes for step.
func writeCheckpoint(t *testing.T, dir string, step int64, n int) string {
	t.Helper()
	return writeAtomic(t, dir, checkpointName(step), checkpointBytes(t, n, byte(step)))
}

// wantCommitment is what runtime/commit says about path.
func wantCommitment(t *testing.T, path string) commit.Commitment {
	t.Helper()
	c, _, err := commit.File(context.Background(), path, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkAccepted fails unless r accepted the file at path, with its commitment.
func checkAccepted(t *testing.T, r Result, step int64, path string) {
	t.Helper()
	if r.Err != nil || r.Checkpoint == nil {
		t.Fatalf("%s: want accepted, got err %v", r.Name, r.Err)
	}
	want := wantCommitment(t, path)
	cp := r.Checkpoint
	if r.Step != step || cp.Step != step || r.Name != checkpointName(step) || cp.Name != r.Name {
		t.Errorf("got step %d/%d name %q/%q, want %d %q", r.Step, cp.Step, r.Name, cp.Name, step, checkpointName(step))
	}
	if cp.Path != path || !filepath.IsAbs(cp.Path) {
		t.Errorf("path %q, want %q", cp.Path, path)
	}
	if !bytes.Equal(cp.Root, want.Root) || len(cp.Root) != 32 {
		t.Errorf("%s: root %x, want %x", r.Name, cp.Root, want.Root)
	}
	if uint64(cp.Size) != want.Size || cp.Chunks != want.Chunks {
		t.Errorf("%s: size %d chunks %d, want %d %d", r.Name, cp.Size, cp.Chunks, want.Size, want.Chunks)
	}
}

func newWatcher(t *testing.T, cfg Config, notify bool) *Watcher {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.notify = notify
	return w
}

// runner is a Run in the background whose results land in a channel.
type runner struct {
	results chan Result
	cancel  context.CancelFunc
	done    chan error
	once    sync.Once
}

func startRun(t *testing.T, w *Watcher) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{results: make(chan Result, 100), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx, func(res Result) { r.results <- res }) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and checks that it returns nil promptly.
func (r *runner) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
		case <-time.After(waitFor):
			t.Errorf("Run did not return after cancel")
		}
	})
}

// next waits for Run's next result.
func (r *runner) next(t *testing.T) Result {
	t.Helper()
	select {
	case res := <-r.results:
		return res
	case err := <-r.done:
		t.Fatalf("Run returned early: %v", err)
	case <-time.After(waitFor):
		t.Fatal("no result from Run")
	}
	return Result{}
}

// quiet checks that Run reports nothing more for d.
func (r *runner) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case res := <-r.results:
		t.Fatalf("unexpected result %s (err %v)", res.Name, res.Err)
	case <-time.After(d):
	}
}

// scanWithin runs Scan and fails if it blocks (a FIFO opened for reading
// without O_NONBLOCK would).
func scanWithin(t *testing.T, w *Watcher) []Result {
	t.Helper()
	type out struct {
		rs  []Result
		err error
	}
	ch := make(chan out, 1)
	go func() {
		rs, err := w.Scan(context.Background())
		ch <- out{rs, err}
	}()
	select {
	case o := <-ch:
		if o.err != nil {
			t.Fatalf("Scan: %v", o.err)
		}
		return o.rs
	case <-time.After(waitFor):
		t.Fatal("Scan blocked")
		return nil
	}
}
