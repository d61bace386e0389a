package safetensors

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriteRejects(t *testing.T) {
	ok := func() NamedData { return NamedData{Name: "w", DType: F32, Shape: []uint64{2}, Data: make([]byte, 8)} }
	with := func(f func(*NamedData)) []NamedData { d := ok(); f(&d); return []NamedData{d} }
	tests := []struct {
		name    string
		meta    map[string]string
		tensors []NamedData
		want    error
		msg     string
	}{
		{"short data", nil, with(func(d *NamedData) { d.Data = d.Data[:7] }), ErrBadShape, "needs 8 bytes but Data has 7"},
		{"long data", nil, with(func(d *NamedData) { d.Data = append(d.Data, 0) }), ErrBadShape, "Data has 9"},
		{"zero dtype", nil, with(func(d *NamedData) { d.DType = 0 }), ErrBadDType, "DType(0)"},
		{"dtype out of range", nil, with(func(d *NamedData) { d.DType = U64 + 1 }), ErrBadDType, "DType(16)"},
		{"too many dims", nil, with(func(d *NamedData) { d.Shape = make([]uint64, MaxDims+1) }), ErrBadShape, "9 dims"},
		{"shape overflow", nil, with(func(d *NamedData) { d.Shape = []uint64{1 << 40, 1 << 40, 1 << 40} }), ErrBadShape, "2^64"},
		{"empty name", nil, with(func(d *NamedData) { d.Name = "" }), ErrBadHeader, "empty name"},
		{"reserved name", nil, with(func(d *NamedData) { d.Name = "__metadata__" }), ErrBadHeader, "reserved"},
		{"invalid UTF-8 name", nil, with(func(d *NamedData) { d.Name = "w\xff" }), ErrBadHeader, "UTF-8"},
		{"long name", nil, with(func(d *NamedData) { d.Name = strings.Repeat("w", MaxNameBytes+1) }), ErrBadHeader, "limit"},
		{"duplicate", nil, []NamedData{ok(), ok()}, ErrBadHeader, `duplicate tensor name "w"`},
		{"invalid UTF-8 metadata", map[string]string{"k": "\xff"}, nil, ErrBadHeader, `__metadata__["k"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tt.meta, tt.tensors)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want %v containing %q", err, tt.want, tt.msg)
			}
			checkRejection(t, err)
			if b.Len() != 0 {
				t.Fatalf("wrote %d bytes before failing", b.Len())
			}
		})
	}
}

// TestWriteLayout: names sorted, data in the same order, header padded to
// 8, HTML characters unescaped, output identical whatever the input order.
func TestWriteLayout(t *testing.T) {
	a := NamedData{Name: "b<&>", DType: U8, Shape: []uint64{1}, Data: []byte{2}}
	b := NamedData{Name: "a", DType: U16, Shape: []uint64{1}, Data: []byte{1, 1}}
	meta := map[string]string{"z": "1", "y": "2"}
	out1 := writeBytes(t, meta, []NamedData{a, b})
	out2 := writeBytes(t, meta, []NamedData{b, a})
	if !bytes.Equal(out1, out2) {
		t.Fatal("output depends on input order")
	}
	hdr := `{"__metadata__":{"y":"2","z":"1"},"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]},` +
		`"b<&>":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`
	hdr += strings.Repeat(" ", (8-len(hdr)%8)%8)
	if want := build(hdr, []byte{1, 1, 2}); !bytes.Equal(out1, want) {
		t.Fatalf("got  %q\nwant %q", out1, want)
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestWriteIOError(t *testing.T) {
	ts := []NamedData{{Name: "w", DType: U8, Shape: []uint64{1}, Data: []byte{1}}}
	for after := range 3 {
		err := Write(&failWriter{after: after}, nil, ts)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("after %d writes: error %v", after, err)
		}
	}
}
