// Package wire reads the fixed, big-endian binary encodings of gpunet's
// peer messages (signed offers, stream protocol frames). It owns only the
// bounds-checked reading of fields; each message's layout and validation
// stay with its package.
package wire

import "encoding/binary"

// Reader consumes big-endian fields. After the first short read every method
// returns zero values and Truncated reports true, so a decoder reads all its
// fields and checks once at the end.
type Reader struct {
	b         []byte
	truncated bool
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Bytes returns the next n bytes (capacity-limited, so appending to them
// cannot overwrite what follows), or nil if fewer are left.
func (r *Reader) Bytes(n int) []byte {
	if r.truncated || n < 0 || len(r.b) < n {
		r.truncated = true
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if b := r.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// Uint16 reads a big-endian uint16.
func (r *Reader) Uint16() uint16 {
	if b := r.Bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// Uint32 reads a big-endian uint32.
func (r *Reader) Uint32() uint32 {
	if b := r.Bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// Uint64 reads a big-endian uint64.
func (r *Reader) Uint64() uint64 {
	if b := r.Bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Short reads a string of at most 255 bytes after its one-byte length.
func (r *Reader) Short() string { return string(r.Bytes(int(r.Byte()))) }

// Truncated reports whether a read ran past the end.
func (r *Reader) Truncated() bool { return r.truncated }

// Len is the number of bytes not read yet.
func (r *Reader) Len() int { return len(r.b) }
