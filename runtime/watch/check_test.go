package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestInspectAfterSwap: the lstat saw a regular file, but by the open the
// job had put a symlink or a FIFO in its place. O_NOFOLLOW refuses the
// symlink, O_NONBLOCK keeps the FIFO from blocking, and the fstat of the
// open descriptor rejects it.
func TestInspectAfterSwap(t *testing.T) {
	dir := t.TempDir()
	valid := writeAtomic(t, t.TempDir(), checkpointName(1), checkpointBytes(t, 100, 1))
	regular, err := os.Lstat(valid)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(path string) error
	}{
		{"symlink", func(path string) error { return os.Symlink(valid, path) }},
		{"fifo", func(path string) error { return syscall.Mkfifo(path, 0o644) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := tc.setup(path); err != nil {
				t.Fatal(err)
			}
			w := newWatcher(t, Config{Dir: dir}, false)
			done := make(chan error, 1)
			go func() {
				_, c, err := w.inspect(context.Background(), path, regular)
				if c != nil {
					err = errors.New("accepted")
				}
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrNotRegular) {
					t.Errorf("inspect: %v, want ErrNotRegular", err)
				}
			case <-time.After(waitFor):
				t.Fatal("inspect blocked")
			}
		})
	}
}
