package safetensors

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// File is a validated safetensors file open for reading tensors. Its
// methods are safe for concurrent use when the underlying ReaderAt is (an
// *os.File is).
type File struct {
	h     *Header
	r     io.ReaderAt
	c     io.Closer // nil unless Open opened the file
	index map[string]int
}

// Open opens and validates the safetensors file at path. Only regular files
// are accepted: a FIFO or device reports no meaningful size.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("safetensors: open %s: not a regular file (%v)", path, fi.Mode().Type())
	}
	sf, err := NewFile(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	sf.c = f
	return sf, nil
}

// NewFile validates the safetensors file of the given size that r reads,
// e.g. a checkpoint a verifier holds in memory. Close does not close r.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	h, err := ReadHeader(r, size)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(h.Tensors))
	for i, t := range h.Tensors {
		index[t.Name] = i
	}
	return &File{h: h, r: r, index: index}, nil
}

// Header is the validated header. Callers must not modify it.
func (f *File) Header() *Header { return f.h }

// Tensor looks a tensor up by name. The returned Shape is a copy.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := f.index[name]
	if !ok {
		return Tensor{}, false
	}
	t := f.h.Tensors[i]
	t.Shape = slices.Clone(t.Shape)
	return t, true
}

// ReadTensor reads the bytes of the named tensor into buf, reusing buf when
// its capacity suffices, and returns them. It reads exactly [Begin, End),
// which ReadHeader checked lies inside the file, so the allocation is
// bounded by the file's size. A file that shrank since it was validated
// gives ErrTruncated.
func (f *File) ReadTensor(name string, buf []byte) ([]byte, error) {
	i, ok := f.index[name]
	if !ok {
		return nil, fileErr(ErrNotFound, "no tensor %q", clip(name, MaxNameBytes))
	}
	t := f.h.Tensors[i]
	n := t.Len() // <= Size, which came from an int64
	if uint64(cap(buf)) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if err := readFull(f.r, buf, int64(t.Begin), fmt.Sprintf("read tensor %q", clip(name, MaxNameBytes))); err != nil {
		return nil, err
	}
	return buf, nil
}

// Close closes the file if Open opened it.
func (f *File) Close() error {
	if f.c == nil {
		return nil
	}
	return f.c.Close()
}
