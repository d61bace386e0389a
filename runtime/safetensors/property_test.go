package safetensors

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

var allDTypes = []DType{BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64}

// genTensors draws a valid Write input: distinct arbitrary Unicode names
// (exercising JSON escaping), every dtype, shapes of 0..MaxDims small dims
// (zero dims included), and random bytes of exactly the right length.
func genTensors(t *rapid.T) []NamedData {
	names := rapid.SliceOfNDistinct(
		rapid.StringN(1, 12, MaxNameBytes).Filter(func(s string) bool { return s != metadataKey }),
		0, 12, func(s string) string { return s }).Draw(t, "names")
	out := make([]NamedData, len(names))
	for i, name := range names {
		d := rapid.SampledFrom(allDTypes).Draw(t, "dtype")
		shape := rapid.SliceOfN(rapid.Uint64Range(0, 4), 0, MaxDims).Draw(t, "shape")
		n, _ := byteSize(d, shape) // at most 4^8 * 8 bytes
		data := rapid.SliceOfN(rapid.Byte(), int(n), int(n)).Draw(t, "data")
		out[i] = NamedData{Name: name, DType: d, Shape: shape, Data: data}
	}
	return out
}

// TestRoundTrip: whatever Write accepts, ReadHeader accepts, with the same
// metadata, dtypes and shapes, and ReadTensor returns exactly the bytes
// written. Write is deterministic and its header 8-aligned.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ts := genTensors(t)
		meta := rapid.MapOfN(rapid.String(), rapid.String(), 0, 4).Draw(t, "meta")
		var b bytes.Buffer
		if err := Write(&b, meta, ts); err != nil {
			t.Fatalf("Write: %v", err)
		}
		file := b.Bytes()
		var again bytes.Buffer
		shuffled := slices.Clone(ts)
		slices.Reverse(shuffled)
		if err := Write(&again, meta, shuffled); err != nil || !bytes.Equal(file, again.Bytes()) {
			t.Fatalf("Write is not deterministic (%v)", err)
		}
		f, err := NewFile(guardReader{t: t, b: file, size: int64(len(file))}, int64(len(file)))
		if err != nil {
			t.Fatalf("ReadHeader rejected Write's output: %v", err)
		}
		h := f.Header()
		checkInvariants(t, h, len(file))
		if (h.DataStart-prefixBytes)%8 != 0 {
			t.Fatalf("header length %d is not a multiple of 8", h.DataStart-prefixBytes)
		}
		if len(meta) == 0 && h.Metadata != nil || len(meta) > 0 && !maps.Equal(meta, h.Metadata) {
			t.Fatalf("metadata %q read back as %q", meta, h.Metadata)
		}
		if len(h.Tensors) != len(ts) {
			t.Fatalf("%d tensors read back as %d", len(ts), len(h.Tensors))
		}
		for _, want := range ts {
			got, ok := f.Tensor(want.Name)
			if !ok || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
				t.Fatalf("tensor %q read back as %+v (found %v)", want.Name, got, ok)
			}
			data, err := f.ReadTensor(want.Name, nil)
			if err != nil || !bytes.Equal(data, want.Data) {
				t.Fatalf("ReadTensor(%q) = %x, %v; wrote %x", want.Name, data, err, want.Data)
			}
		}
	})
}

// TestWriteRejectsWrongLength: any data length other than the shape's is
// refused and nothing is written.
func TestWriteRejectsWrongLength(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ts := genTensors(t)
		if len(ts) == 0 {
			return
		}
		i := rapid.IntRange(0, len(ts)-1).Draw(t, "victim")
		if rapid.Bool().Draw(t, "grow") || len(ts[i].Data) == 0 {
			ts[i].Data = append(slices.Clone(ts[i].Data), 0)
		} else {
			ts[i].Data = ts[i].Data[:len(ts[i].Data)-1]
		}
		var b bytes.Buffer
		if err := Write(&b, nil, ts); !errors.Is(err, ErrBadShape) || b.Len() != 0 {
			t.Fatalf("Write with a wrong length: %v, %d bytes written", err, b.Len())
		}
	})
}

// TestCorruption: flipping, cutting or extending a valid file anywhere
// either is rejected with one sentinel or yields a header that keeps every
// promise (the fuzz test explores this further; this runs on every go test).
func TestCorruption(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		file := writeBytes(t, nil, genTensors(t))
		switch rapid.IntRange(0, 2).Draw(t, "how") {
		case 0:
			i := rapid.IntRange(0, len(file)-1).Draw(t, "at")
			file[i] ^= rapid.ByteRange(1, 255).Draw(t, "xor")
		case 1:
			file = file[:rapid.IntRange(0, len(file)-1).Draw(t, "cut")]
		case 2:
			file = append(file, rapid.SliceOfN(rapid.Byte(), 1, 16).Draw(t, "extra")...)
		}
		h, err := readGuarded(t, file)
		if err != nil {
			checkRejection(t, err)
			return
		}
		checkInvariants(t, h, len(file))
		roundTrip(t, h, file)
	})
}
