package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, ts []NamedData) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "step-00000100.safetensors")
	if err := os.WriteFile(path, writeBytes(t, map[string]string{"step": "100"}, ts), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpen(t *testing.T) {
	ts := []NamedData{
		{Name: "layer1.weight", DType: F32, Shape: []uint64{2, 3}, Data: f32(1, 2, 3, 4, 5, 6)},
		{Name: "step", DType: I64, Shape: []uint64{}, Data: []byte{100, 0, 0, 0, 0, 0, 0, 0}},
	}
	f, err := Open(writeFile(t, ts))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Header().Metadata["step"]; got != "100" {
		t.Fatalf("metadata step = %q", got)
	}
	for _, want := range ts {
		got, ok := f.Tensor(want.Name)
		if !ok || got.DType != want.DType || len(got.Shape) != len(want.Shape) || got.Len() != uint64(len(want.Data)) {
			t.Fatalf("Tensor(%q) = %+v, %v", want.Name, got, ok)
		}
		data, err := f.ReadTensor(want.Name, nil)
		if err != nil || !bytes.Equal(data, want.Data) {
			t.Fatalf("ReadTensor(%q) = %v, %v", want.Name, data, err)
		}
	}
	// Tensor returns a copy: callers cannot corrupt the header.
	got, _ := f.Tensor("layer1.weight")
	got.Shape[0] = 99
	if again, _ := f.Tensor("layer1.weight"); again.Shape[0] != 2 {
		t.Fatal("Tensor shares its Shape with the header")
	}
	// ReadTensor reuses a large enough buffer.
	buf := make([]byte, 0, 64)
	data, err := f.ReadTensor("layer1.weight", buf)
	if err != nil || &data[0] != &buf[:1][0] || len(data) != 24 {
		t.Fatalf("ReadTensor did not reuse buf: len %d, %v", len(data), err)
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Fatal("found a missing tensor")
	}
	if _, err := f.ReadTensor("nope", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadTensor(missing) = %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("opened a directory")
	}
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, build(`{"w":{}}`, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bad); !errors.Is(err, ErrBadHeader) {
		t.Fatalf("bad file: %v", err)
	}
}

// TestReadTensorAfterTruncation: a file cut after it was validated gives
// ErrTruncated, not short data.
func TestReadTensorAfterTruncation(t *testing.T) {
	path := writeFile(t, []NamedData{{Name: "w", DType: U8, Shape: []uint64{16}, Data: make([]byte, 16)}})
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := os.Stat(path)
	if err := os.Truncate(path, fi.Size()-1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadTensor("w", nil); !errors.Is(err, ErrTruncated) {
		t.Fatalf("ReadTensor on a shrunk file: %v", err)
	}
}

// TestNewFileGuarded reads every tensor through a reader that fails on any
// read outside the file.
func TestNewFileGuarded(t *testing.T) {
	file := writeBytes(t, nil, []NamedData{
		{Name: "a", DType: BF16, Shape: []uint64{3}, Data: []byte{1, 2, 3, 4, 5, 6}},
		{Name: "z", DType: BOOL, Shape: []uint64{0}},
	})
	f, err := NewFile(guardReader{t: t, b: file, size: int64(len(file))}, int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "z"} {
		if _, err := f.ReadTensor(name, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// errReader fails every read, like a disk error.
type errReader struct{ b []byte }

func (r errReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 8 {
		return copy(p, r.b[off:]), nil
	}
	return 0, errors.New("input/output error")
}

// TestIOError: an I/O error is passed up wrapped, not dressed as a
// format error, so the daemon can tell a bad disk from a bad file.
func TestIOError(t *testing.T) {
	file := build(`{}`, nil)
	_, err := ReadHeader(errReader{file}, int64(len(file)))
	var e *Error
	if err == nil || errors.As(err, &e) || err.Error() != "safetensors: read header: input/output error" {
		t.Fatalf("error %v", err)
	}
}
