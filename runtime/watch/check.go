package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/runtime/safetensors"
)

// fileKey identifies one version of a file: a rejected name is looked at
// again only when its key changes.
type fileKey struct {
	size  int64
	mtime int64 // UnixNano
	ino   uint64
}

func keyOf(fi fs.FileInfo) fileKey {
	k := fileKey{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		k.ino = uint64(st.Ino)
	}
	return k
}

// openFlags never follow a symlink in the last path component (the job
// controls it) and never block: opening a FIFO for reading would otherwise
// wait for a writer that never comes.
const openFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// openFile opens path for inspect. A symlink fails with ELOOP.
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, openFlags, 0)
}

// errGone marks a file that disappeared before it could be opened: no
// verdict, since there is no file to give one on.
var errGone = errors.New("file disappeared")

// inspect validates and commits the checkpoint at path. It returns the key
// of the version it looked at (from the open descriptor when it got that
// far, else from lst) and the checkpoint, or the reason for rejecting it,
// not yet wrapped in ErrRejected. ctx errors and errGone are not verdicts.
func (w *Watcher) inspect(ctx context.Context, path string, lst fs.FileInfo) (fileKey, *commit.Commitment, error) {
	key := keyOf(lst)
	if !lst.Mode().IsRegular() {
		return key, nil, fmt.Errorf("%w (%v)", ErrNotRegular, lst.Mode().Type())
	}
	f, err := openFile(path)
	switch {
	case errors.Is(err, syscall.ELOOP):
		// Replaced by a symlink since the lstat.
		return key, nil, fmt.Errorf("open: %w (symlink)", ErrNotRegular)
	case errors.Is(err, fs.ErrNotExist):
		return key, nil, errGone
	case err != nil:
		return key, nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return key, nil, fmt.Errorf("stat: %w", err)
	}
	key = keyOf(before)
	if !before.Mode().IsRegular() {
		return key, nil, fmt.Errorf("%w (%v)", ErrNotRegular, before.Mode().Type())
	}
	size := before.Size()
	if w.cfg.MaxBytes > 0 && size > w.cfg.MaxBytes {
		return key, nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, size, w.cfg.MaxBytes)
	}
	if _, err := safetensors.ReadHeader(f, size); err != nil {
		return key, nil, fmt.Errorf("validate: %w", err)
	}
	c, _, err := commit.Reader(ctx, f, size, w.cfg.Workers)
	if err != nil {
		return key, nil, fmt.Errorf("commit: %w", err)
	}
	after, err := f.Stat()
	if err != nil {
		return key, nil, fmt.Errorf("stat: %w", err)
	}
	if after.Size() != size {
		return keyOf(after), nil, fmt.Errorf("%d bytes, then %d: %w", size, after.Size(), commit.ErrSizeChanged)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		return keyOf(after), nil, fmt.Errorf("modified at %s, then at %s: %w",
			before.ModTime().Format(time.RFC3339Nano), after.ModTime().Format(time.RFC3339Nano), ErrModified)
	}
	return key, &c, nil
}

// transient reports errors that say nothing about the file (the daemon ran
// out of descriptors or memory): the file gets no verdict and is looked at
// again on the next rescan.
func transient(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.EINTR)
}
