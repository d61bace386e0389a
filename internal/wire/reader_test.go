package wire

import "testing"

func TestReader(t *testing.T) {
	r := NewReader([]byte{7, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 2, 'h', 'i', 9})
	if r.Byte() != 7 || r.Uint16() != 1 || r.Uint32() != 2 || r.Uint64() != 3 || r.Short() != "hi" || r.Truncated() || r.Len() != 1 {
		t.Fatal("fields read wrong")
	}
	if b := r.Bytes(2); b != nil || !r.Truncated() {
		t.Fatalf("short read gave %v, truncated %v", b, r.Truncated())
	}
	if r.Byte() != 0 || r.Uint64() != 0 || r.Short() != "" {
		t.Fatal("reads after truncation must return zero values")
	}
	if NewReader([]byte{1}).Bytes(-1) != nil {
		t.Fatal("a negative length must not read")
	}
	// A returned slice cannot be appended into the bytes that follow.
	buf := []byte{1, 2, 3}
	first := NewReader(buf).Bytes(1)
	_ = append(first, 9)
	if buf[1] != 2 {
		t.Fatal("append through a returned slice overwrote the input")
	}
}
