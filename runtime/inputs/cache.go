package inputs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Layout of CacheDir.
const (
	blobDir     = "sha256"
	tmpDir      = "tmp"
	tmpPrefix   = "fetch-"
	staleTmpAge = 24 * time.Hour
)

// initCache creates the cache directories and removes downloads left over
// by a crash. Only files older than staleTmpAge go, so a second fetcher
// on the same cache keeps its downloads in progress.
func initCache(dir string, now time.Time) error {
	for _, d := range []string{dir, filepath.Join(dir, blobDir), filepath.Join(dir, tmpDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create cache dir: %w", err)
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		return fmt.Errorf("list cache tmp dir: %w", err)
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTmpAge {
			_ = os.Remove(filepath.Join(dir, tmpDir, e.Name()))
		}
	}
	return nil
}

// blobPath is where the verified file with the given hash lives.
func (f *Fetcher) blobPath(sum string) string {
	return filepath.Join(f.cfg.CacheDir, blobDir, sum)
}

// lookup reports whether the cache holds sum, and its size. Only a
// regular file counts; anything else at that name is an error, since this
// package never creates one.
func (f *Fetcher) lookup(sum string) (int64, bool, error) {
	st, err := os.Lstat(f.blobPath(sum))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("look up cache: %w", err)
	case !st.Mode().IsRegular():
		return 0, false, fmt.Errorf("cache entry %s is a %s, not a file the fetcher wrote; remove it", f.blobPath(sum), st.Mode().Type())
	}
	return st.Size(), true, nil
}

// commit makes the verified temporary file tmp the cache entry for sum:
// read-only, synced, renamed, and the rename synced.
func (f *Fetcher) commit(tmp *os.File, sum string) error {
	if err := tmp.Chmod(0o444); err != nil {
		return fmt.Errorf("make cache file read-only: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync cache file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close cache file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.blobPath(sum)); err != nil {
		return fmt.Errorf("move verified file into cache: %w", err)
	}
	return syncDir(filepath.Join(f.cfg.CacheDir, blobDir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// place makes target a read-only copy of the cache file src: a hard link,
// or a copy where the file systems (or link counts) do not allow one. It
// writes a hidden temporary name first and renames it, so target is
// either the whole file or absent.
func (f *Fetcher) place(src, target string) (err error) {
	if same(src, target) {
		return nil // placed before, as a link
	}
	tmp := filepath.Join(filepath.Dir(target), ".gpunet-"+randHex()+".tmp")
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if lerr := f.link(src, tmp); lerr != nil {
		if !linkUnsupported(lerr) {
			return fmt.Errorf("link input into job dir: %w", lerr)
		}
		if err := copyFile(src, tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("place input in job dir: %w", err)
	}
	// Renaming a link onto another link of the same file does nothing and
	// leaves tmp behind (POSIX rename); a concurrent Fetch can cause that.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("place input in job dir: %w", err)
	}
	return nil
}

// same reports whether target is already a link to src.
func same(src, target string) bool {
	a, err := os.Lstat(src)
	if err != nil {
		return false
	}
	b, err := os.Lstat(target)
	return err == nil && os.SameFile(a, b)
}

// linkUnsupported is true for link errors that a copy avoids: another
// file system, too many links to one file, or a file system without links.
func linkUnsupported(err error) bool {
	return errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.EMLINK) ||
		errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP)
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy input into job dir: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("copy input into job dir: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy input into job dir: %w", cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy input into job dir: %w", err)
	}
	if err := out.Chmod(0o444); err != nil { // against the umask
		return fmt.Errorf("copy input into job dir: %w", err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("copy input into job dir: %w", err)
	}
	return nil
}

func randHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
