package safetensors

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every rejection of a bad file (ReadHeader, NewFile,
// Open, ReadTensor) or of bad Write input is an *Error wrapping exactly one
// of them, so callers sort rejections with errors.Is while people read the
// message, which names the tensor and field at fault. I/O errors of the
// underlying reader or writer are passed up wrapped, never as *Error, so a
// failing disk is not mistaken for a provider's bad file.
var (
	// ErrTruncated: the file ends before its length prefix, its header or
	// the data its header describes (offsets past the data buffer).
	ErrTruncated = errors.New("truncated file")
	// ErrHeaderTooLarge: the length prefix exceeds MaxHeaderBytes.
	ErrHeaderTooLarge = errors.New("header too large")
	// ErrBadHeader: the header is not UTF-8 JSON of the expected structure
	// (not an object, duplicate or unknown keys, missing fields, bad names,
	// bad metadata, too many tensors).
	ErrBadHeader = errors.New("malformed header")
	// ErrBadDType: a dtype is missing from the table in dtype.go.
	ErrBadDType = errors.New("unknown dtype")
	// ErrBadShape: a shape is not a list of at most MaxDims non-negative
	// integers, or its byte size overflows uint64.
	ErrBadShape = errors.New("bad shape")
	// ErrBadOffsets: data_offsets are not two non-negative integers with
	// begin <= end, or do not span exactly the bytes the shape needs.
	ErrBadOffsets = errors.New("bad data_offsets")
	// ErrOverlap: two tensors share bytes of the data buffer.
	ErrOverlap = errors.New("overlapping tensors")
	// ErrHoles: some bytes of the data buffer belong to no tensor. The
	// reference implementation rejects such files too; for us a hole would
	// be bytes that get hashed and committed but that no tensor explains.
	ErrHoles = errors.New("data buffer not covered")
	// ErrNotFound: File.ReadTensor was asked for a name the file lacks.
	ErrNotFound = errors.New("no such tensor")
)

// Error is a rejected file or Write input. It unwraps to one sentinel.
type Error struct {
	// Kind is one of the Err* sentinels above.
	Kind error
	// Tensor is the tensor at fault ("" for file-level problems, and for a
	// tensor whose name is empty); clipped to MaxNameBytes because hostile
	// names can be huge.
	Tensor string
	// Field is "dtype", "shape", "data_offsets", "__metadata__", or "".
	Field string
	// Msg says what is wrong with the values involved, field first.
	Msg string
}

func (e *Error) Error() string {
	if e.Tensor != "" {
		return fmt.Sprintf("safetensors: tensor %q: %s", e.Tensor, e.Msg)
	}
	return "safetensors: " + e.Msg
}

// Unwrap makes errors.Is(err, ErrBadShape) and friends work.
func (e *Error) Unwrap() error { return e.Kind }

// fileErr reports a problem with the file as a whole.
func fileErr(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// tensorErr reports a problem with one field of one tensor; msg should
// start with the field name so the message reads "tensor "x": shape ...".
func tensorErr(kind error, name, field, format string, args ...any) error {
	return &Error{Kind: kind, Tensor: clip(name, MaxNameBytes), Field: field, Msg: fmt.Sprintf(format, args...)}
}

// clip shortens untrusted strings before they go into error messages, so a
// hostile header cannot make an error (and the log line it ends up in)
// megabytes long.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
