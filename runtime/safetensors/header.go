package safetensors

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// Limits on what a file may ask of the reader. Each bounds memory or time
// that a hostile header could otherwise make us spend.
const (
	// MaxHeaderBytes bounds the JSON header, the only part of a file
	// ReadHeader loads into memory. It is the reference implementation's
	// MAX_HEADER_SIZE (100,000,000 bytes), so every file it reads we read.
	MaxHeaderBytes = 100_000_000
	// MaxTensors bounds the entries of one header; the smallest entry is
	// about 50 bytes, so MaxHeaderBytes could otherwise hold two million.
	MaxTensors = 1 << 20
	// MaxDims bounds a shape's rank. Training state (weights, optimizer
	// moments, RNG state) is far below it; a longer shape is a bad file.
	MaxDims = 8
	// MaxNameBytes bounds a tensor name, so names fit in log lines, error
	// messages and on-chain dispute evidence.
	MaxNameBytes = 1024
)

// prefixBytes is the little-endian u64 header length at the start of a file.
const prefixBytes = 8

// Tensor is one validated header entry.
type Tensor struct {
	Name  string
	DType DType
	// Shape has at most MaxDims dimensions; [] is a scalar.
	Shape []uint64
	// Begin and End are absolute file offsets (DataStart + data_offsets),
	// so [Begin, End) can be read from the file as is.
	Begin, End uint64
}

// Len is the tensor's byte length.
func (t Tensor) Len() uint64 { return t.End - t.Begin }

// Header is a validated safetensors header. Its tensors tile the data
// buffer [DataStart, Size) exactly, in order, without gaps or overlaps.
type Header struct {
	// Metadata is the "__metadata__" object; nil when the file has none.
	Metadata map[string]string
	// Tensors are sorted by Begin (then End, then Name: zero-length tensors
	// may share an offset with their neighbour).
	Tensors []Tensor
	// DataStart is 8 + the header length: where the data buffer begins.
	DataStart uint64
	// Size is the total file size.
	Size uint64
}

// ReadHeader reads and validates the header of the safetensors file of
// the given size that r reads. It reads the 8-byte length prefix and then
// the header, nothing else. It allocates the header only after checking its
// length against MaxHeaderBytes and size, so a hostile length prefix cannot
// make it allocate more than min(MaxHeaderBytes, size-8). It returns an
// *Error wrapping one sentinel for any rejected file, or an I/O error from r.
func ReadHeader(r io.ReaderAt, size int64) (*Header, error) {
	if size < prefixBytes {
		return nil, fileErr(ErrTruncated, "file is %d bytes, shorter than the 8-byte header length", size)
	}
	var prefix [prefixBytes]byte
	if err := readFull(r, prefix[:], 0, "read header length"); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxHeaderBytes {
		return nil, fileErr(ErrHeaderTooLarge, "header length %d exceeds the %d-byte limit", n, MaxHeaderBytes)
	}
	// size >= 8 here and n <= MaxHeaderBytes, so neither side overflows.
	if n > uint64(size)-prefixBytes {
		return nil, fileErr(ErrTruncated, "header length %d runs past the end of the %d-byte file", n, size)
	}
	buf := make([]byte, n)
	if err := readFull(r, buf, prefixBytes, "read header"); err != nil {
		return nil, err
	}
	h := &Header{DataStart: prefixBytes + n, Size: uint64(size)}
	var err error
	h.Metadata, h.Tensors, err = parseHeader(buf, h.Size-h.DataStart, h.DataStart)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(h.Tensors, h.DataStart, h.Size); err != nil {
		return nil, err
	}
	return h, nil
}

// readFull reads len(p) bytes at off. A short read is ErrTruncated: the
// caller's size promised those bytes (the file shrank, or size lied). Other
// errors are I/O errors, returned wrapped but not as *Error.
func readFull(r io.ReaderAt, p []byte, off int64, what string) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		// ReaderAt may return io.EOF alongside a full read at the end.
		return nil
	}
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return fileErr(ErrTruncated, "%s: got %d of %d bytes at offset %d: the file is shorter than its size said",
			what, n, len(p), off)
	}
	return fmt.Errorf("safetensors: %s: %w", what, err)
}

// byteSize is product(shape) * dtype size, or ok=false on uint64 overflow.
// It multiplies left to right like the reference implementation, so a shape
// whose partial product overflows is rejected even if a later dim is 0.
func byteSize(d DType, shape []uint64) (n uint64, ok bool) {
	n = d.Size()
	for _, dim := range shape {
		hi, lo := bits.Mul64(n, dim)
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// checkEntry applies the per-tensor rules once all three fields are known.
// begin and end are the header's data_offsets, relative to the data buffer
// of dataLen bytes; they are checked against it before being made absolute,
// so the addition cannot overflow.
func checkEntry(name string, d DType, shape []uint64, begin, end, dataLen uint64) error {
	if begin > end {
		return tensorErr(ErrBadOffsets, name, fieldOffsets, "data_offsets [%d, %d) begin after end", begin, end)
	}
	if end > dataLen {
		return tensorErr(ErrTruncated, name, fieldOffsets,
			"data_offsets [%d, %d) run past the end of the %d-byte data buffer", begin, end, dataLen)
	}
	need, ok := byteSize(d, shape)
	if !ok {
		return tensorErr(ErrBadShape, name, fieldShape, "shape %v of %v needs more than 2^64 bytes", shape, d)
	}
	if end-begin != need {
		return tensorErr(ErrBadOffsets, name, fieldOffsets,
			"data_offsets [%d, %d) hold %d bytes but shape %v of %v needs %d", begin, end, end-begin, shape, d, need)
	}
	return nil
}

// checkLayout sorts tensors by position and checks that they tile
// [dataStart, size) exactly: each starts where the previous ended.
func checkLayout(ts []Tensor, dataStart, size uint64) error {
	slices.SortFunc(ts, func(a, b Tensor) int {
		return cmp.Or(cmp.Compare(a.Begin, b.Begin), cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
	})
	at := dataStart // end of the bytes covered so far
	prev := ""      // the tensor that covered them
	for _, t := range ts {
		switch {
		case t.Begin < at:
			return tensorErr(ErrOverlap, t.Name, fieldOffsets,
				"data_offsets [%d, %d) overlap tensor %q, which ends at %d",
				t.Begin-dataStart, t.End-dataStart, clip(prev, MaxNameBytes), at-dataStart)
		case t.Begin > at:
			return tensorErr(ErrHoles, t.Name, fieldOffsets,
				"data_offsets [%d, %d) leave bytes [%d, %d) of the data buffer to no tensor",
				t.Begin-dataStart, t.End-dataStart, at-dataStart, t.Begin-dataStart)
		}
		at, prev = t.End, t.Name
	}
	if at != size {
		return fileErr(ErrHoles, "bytes [%d, %d) at the end of the data buffer belong to no tensor",
			at-dataStart, size-dataStart)
	}
	return nil
}

// validName reports why a tensor name is unacceptable, or "".
func validName(name string) string {
	switch {
	case name == "":
		return "a tensor has an empty name"
	case len(name) > MaxNameBytes:
		return fmt.Sprintf("tensor name %q is %d bytes, over the %d-byte limit", clip(name, 64), len(name), MaxNameBytes)
	case !utf8.ValidString(name):
		return fmt.Sprintf("tensor name %q is not valid UTF-8", name)
	}
	return ""
}
