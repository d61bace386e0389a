package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
)

// tb is what the helpers need from *testing.T, *testing.F's T and
// *rapid.T (which lacks parts of testing.TB).
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// guardReader is an io.ReaderAt over b for a file claimed to be size bytes
// long. It fails the test on any read outside [0, size), or of more than
// maxRead bytes when maxRead > 0: the reader must never look outside the
// file, nor read (and so allocate) what a hostile length prefix asks for.
type guardReader struct {
	t       tb
	b       []byte
	size    int64
	maxRead int
}

func (g guardReader) ReadAt(p []byte, off int64) (int, error) {
	g.t.Helper()
	if off < 0 || off > g.size || int64(len(p)) > g.size-off {
		g.t.Errorf("ReadAt(%d bytes, off %d) outside the %d-byte file", len(p), off, g.size)
		return 0, io.EOF
	}
	if g.maxRead > 0 && len(p) > g.maxRead {
		g.t.Errorf("ReadAt(%d bytes, off %d): more than the %d bytes this test allows", len(p), off, g.maxRead)
		return 0, io.EOF
	}
	if off >= int64(len(g.b)) {
		return 0, io.EOF
	}
	n := copy(p, g.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readGuarded runs ReadHeader over b through a guardReader.
func readGuarded(t tb, b []byte) (*Header, error) {
	t.Helper()
	return ReadHeader(guardReader{t: t, b: b, size: int64(len(b))}, int64(len(b)))
}

// build assembles a file from a header text and a data buffer.
func build(hdr string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, data...)
}

// writeBytes is Write into memory.
func writeBytes(t tb, meta map[string]string, ts []NamedData) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, meta, ts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

var sentinels = []error{
	ErrTruncated, ErrHeaderTooLarge, ErrBadHeader, ErrBadDType, ErrBadShape,
	ErrBadOffsets, ErrOverlap, ErrHoles, ErrNotFound,
}

// checkRejection asserts err is an *Error wrapping exactly one sentinel.
func checkRejection(t tb, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q wraps %d sentinels, want 1", err, n)
	}
}

// checkInvariants asserts what every accepted header promises: tensors
// valid, sorted, inside the file, tiling the data buffer exactly.
func checkInvariants(t tb, h *Header, size int) {
	t.Helper()
	if h.Size != uint64(size) {
		t.Fatalf("Size = %d, file is %d bytes", h.Size, size)
	}
	if h.DataStart < prefixBytes || h.DataStart > h.Size || h.DataStart-prefixBytes > MaxHeaderBytes {
		t.Fatalf("DataStart %d out of range for %d-byte file", h.DataStart, size)
	}
	if len(h.Tensors) > MaxTensors {
		t.Fatalf("%d tensors", len(h.Tensors))
	}
	at := h.DataStart
	names := make(map[string]bool)
	for _, ts := range h.Tensors {
		if ts.Begin != at {
			t.Fatalf("tensor %q begins at %d, previous ended at %d", ts.Name, ts.Begin, at)
		}
		if ts.End < ts.Begin || ts.End > h.Size {
			t.Fatalf("tensor %q [%d, %d) outside the %d-byte file", ts.Name, ts.Begin, ts.End, h.Size)
		}
		if validName(ts.Name) != "" || ts.Name == metadataKey || names[ts.Name] {
			t.Fatalf("bad or duplicate name %q", ts.Name)
		}
		names[ts.Name] = true
		if !ts.DType.Valid() || len(ts.Shape) > MaxDims {
			t.Fatalf("tensor %q: dtype %v shape %v", ts.Name, ts.DType, ts.Shape)
		}
		if n, ok := byteSize(ts.DType, ts.Shape); !ok || n != ts.Len() {
			t.Fatalf("tensor %q: %d bytes for shape %v of %v", ts.Name, ts.Len(), ts.Shape, ts.DType)
		}
		at = ts.End
	}
	if at != h.Size {
		t.Fatalf("tensors end at %d, file at %d", at, h.Size)
	}
}

// roundTrip rewrites an accepted file with Write and checks that the result
// reads back to the same tensors, metadata and bytes, and that Write is
// idempotent on its own output.
func roundTrip(t tb, h *Header, file []byte) {
	t.Helper()
	nd := make([]NamedData, len(h.Tensors))
	for i, ts := range h.Tensors {
		nd[i] = NamedData{Name: ts.Name, DType: ts.DType, Shape: ts.Shape, Data: file[ts.Begin:ts.End]}
	}
	out := writeBytes(t, h.Metadata, nd)
	h2, err := readGuarded(t, out)
	if err != nil {
		t.Fatalf("Write output rejected: %v", err)
	}
	checkInvariants(t, h2, len(out))
	if len(h.Metadata) != len(h2.Metadata) || (len(h.Metadata) > 0 && !reflect.DeepEqual(h.Metadata, h2.Metadata)) {
		t.Fatalf("metadata %v became %v", h.Metadata, h2.Metadata)
	}
	byName := make(map[string]Tensor, len(h2.Tensors))
	for _, ts := range h2.Tensors {
		byName[ts.Name] = ts
	}
	for _, a := range h.Tensors {
		b, ok := byName[a.Name]
		if !ok || a.DType != b.DType || !reflect.DeepEqual(a.Shape, b.Shape) ||
			!bytes.Equal(file[a.Begin:a.End], out[b.Begin:b.End]) {
			t.Fatalf("tensor %q changed in the round trip: %+v -> %+v", a.Name, a, b)
		}
	}
	if len(byName) != len(h.Tensors) {
		t.Fatalf("%d tensors became %d", len(h.Tensors), len(byName))
	}
	nd2 := make([]NamedData, len(h2.Tensors))
	for i, ts := range h2.Tensors {
		nd2[i] = NamedData{Name: ts.Name, DType: ts.DType, Shape: ts.Shape, Data: out[ts.Begin:ts.End]}
	}
	if out2 := writeBytes(t, h2.Metadata, nd2); !bytes.Equal(out, out2) {
		t.Fatalf("Write is not idempotent:\n%q\n%q", out, out2)
	}
}
