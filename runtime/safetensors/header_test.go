package safetensors

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// f32 is the little-endian encoding of vs.
func f32(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// TestReferenceBytes checks Write and ReadHeader against files spelled out
// byte for byte from the reference implementation's own serialization tests
// (huggingface/safetensors, tensor.rs), so both sides of our format agree
// with what PyTorch jobs will write.
func TestReferenceBytes(t *testing.T) {
	one := NamedData{Name: "attn.0", DType: F32, Shape: []uint64{1, 2, 3}, Data: f32(0, 1, 2, 3, 4, 5)}
	tests := []struct {
		name    string
		meta    map[string]string
		tensors []NamedData
		want    []byte
	}{{
		name:    "one tensor",
		tensors: []NamedData{one},
		want: append([]byte{64, 0, 0, 0, 0, 0, 0, 0},
			append([]byte(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`), f32(0, 1, 2, 3, 4, 5)...)...),
	}, {
		name: "empty",
		want: []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
	}, {
		name: "metadata only",
		meta: map[string]string{"framework": "pt"},
		want: append([]byte{40, 0, 0, 0, 0, 0, 0, 0}, `{"__metadata__":{"framework":"pt"}}     `...),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := writeBytes(t, tt.meta, tt.tensors)
			if string(got) != string(tt.want) {
				t.Fatalf("Write:\n got %q\nwant %q", got, tt.want)
			}
			h, err := readGuarded(t, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, h, len(tt.want))
			if len(h.Tensors) != len(tt.tensors) {
				t.Fatalf("%d tensors, want %d", len(h.Tensors), len(tt.tensors))
			}
			if !reflect.DeepEqual(h.Metadata, tt.meta) {
				t.Fatalf("metadata %v, want %v", h.Metadata, tt.meta)
			}
		})
	}
}

// TestHandBuilt reads a file assembled by hand per the format: metadata,
// tensors listed out of offset order, a scalar, a zero-length tensor
// sharing its offset with a neighbour, escapes in names, padding.
func TestHandBuilt(t *testing.T) {
	hdr := `{"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]},` +
		`"__metadata__":{"format":"pt","step":"00000100"},` +
		`"a\u002e\u00e9":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		"\n" + `"empty":{"dtype":"BF16","shape":[0,4],"data_offsets":[8,8]}}` + "   \t\r\n "
	data := append(f32(1, 2), 7, 0, 0, 0, 0, 0, 0, 0)
	file := build(hdr, data)
	h, err := readGuarded(t, file)
	if err != nil {
		t.Fatal(err)
	}
	ds := uint64(8 + len(hdr))
	want := &Header{
		Metadata: map[string]string{"format": "pt", "step": "00000100"},
		Tensors: []Tensor{
			{Name: "a.é", DType: F32, Shape: []uint64{2}, Begin: ds, End: ds + 8},
			{Name: "empty", DType: BF16, Shape: []uint64{0, 4}, Begin: ds + 8, End: ds + 8},
			{Name: "b", DType: I64, Begin: ds + 8, End: ds + 16},
		},
		DataStart: ds,
		Size:      uint64(len(file)),
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got  %+v\nwant %+v", h, want)
	}
	roundTrip(t, h, file)
}

// tensor is one well-formed header entry.
func tensor(name, dtype, shape string, begin, end int) string {
	return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":[` +
		strconv.Itoa(begin) + `,` + strconv.Itoa(end) + `]}`
}

// malformed is every class of bad file the reader must reject, with the
// sentinel it must wrap and a fragment of the message. The fuzz test seeds
// its corpus from it.
var malformed = []struct {
	name string
	file []byte
	want error
	msg  string
}{
	{"empty file", nil, ErrTruncated, "shorter than the 8-byte"},
	{"in the length", []byte{8, 0, 0, 0, 0, 0, 0}, ErrTruncated, "7 bytes"},
	{"length only", []byte{0, 0, 0, 0, 0, 0, 0, 0}, ErrBadHeader, "start with '{'"},
	{"in the header", build(`{"a":1}`, nil)[:12], ErrTruncated, "runs past the end"},
	{"header length past the file", append([]byte{0, 1, 0, 0, 0, 0, 0, 0}, "{}"...), ErrTruncated, "header length 256"},
	{"header length at the limit past the file", append(binary.LittleEndian.AppendUint64(nil, MaxHeaderBytes), "{}"...),
		ErrTruncated, "header length 100000000 runs past the end of the 10-byte file"},
	{"header length 2^64-1", []byte{255, 255, 255, 255, 255, 255, 255, 255, '{', '}'}, ErrHeaderTooLarge, "exceeds"},
	{"header length limit+1", binary.LittleEndian.AppendUint64(nil, MaxHeaderBytes+1), ErrHeaderTooLarge, "100000001"},
	{"in the data", build(`{`+tensor("w", "F32", "[2]", 0, 8)+`}`, make([]byte, 5)), ErrTruncated,
		`tensor "w": data_offsets [0, 8) run past the end of the 5-byte data buffer`},
	{"offsets far past the end", build(`{"w":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,18446744073709551615]}}`, nil),
		ErrTruncated, "run past the end"},
	{"begin after end", build(`{`+tensor("w", "F32", "[2]", 8, 0)+`}`, make([]byte, 8)), ErrBadOffsets, "begin after end"},
	{"wrong length for shape", build(`{`+tensor("layer1.weight", "F32", "[2,3]", 0, 20)+`}`, make([]byte, 20)), ErrBadOffsets,
		`safetensors: tensor "layer1.weight": data_offsets [0, 20) hold 20 bytes but shape [2 3] of F32 needs 24`},
	{"shape overflow", build(`{`+tensor("w", "F32", "[1099511627776,1099511627776,1099511627776]", 0, 0)+`}`, nil),
		ErrBadShape, "more than 2^64 bytes"},
	{"shape overflow by dtype size", build(`{`+tensor("w", "F64", "[2305843009213693952]", 0, 0)+`}`, nil),
		ErrBadShape, "more than 2^64 bytes"},
	{"shape too many dims", build(`{`+tensor("w", "U8", "[1,1,1,1,1,1,1,1,1]", 0, 1)+`}`, []byte{0}), ErrBadShape, "more than 8"},
	{"shape negative", build(`{`+tensor("w", "U8", "[-1]", 0, 0)+`}`, nil), ErrBadShape, "shape[0] is -1"},
	{"shape negative zero", build(`{`+tensor("w", "U8", "[-0]", 0, 0)+`}`, nil), ErrBadShape, "shape[0] is -0"},
	{"shape float", build(`{`+tensor("w", "U8", "[2.0]", 0, 2)+`}`, make([]byte, 2)), ErrBadShape, "shape[0] is 2.0"},
	{"shape exponent", build(`{`+tensor("w", "U8", "[2e0]", 0, 2)+`}`, make([]byte, 2)), ErrBadShape, "shape[0] is 2e0"},
	{"shape 2^64", build(`{`+tensor("w", "U8", "[18446744073709551616]", 0, 0)+`}`, nil), ErrBadShape, "[0, 2^64)"},
	{"shape string", build(`{`+tensor("w", "U8", `["2"]`, 0, 2)+`}`, make([]byte, 2)), ErrBadShape, `shape[0] is "2"`},
	{"shape nested", build(`{`+tensor("w", "U8", `[[2]]`, 0, 2)+`}`, make([]byte, 2)), ErrBadShape, `shape[0] is '['`},
	{"shape null", build(`{`+tensor("w", "U8", `null`, 0, 2)+`}`, make([]byte, 2)), ErrBadShape, "shape is null"},
	{"offsets negative", build(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[-1,-1]}}`, nil), ErrBadOffsets, "data_offsets[0] is -1"},
	{"offsets float", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1.0]}}`, []byte{0}), ErrBadOffsets, "data_offsets[1] is 1.0"},
	{"offsets three", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, []byte{0}), ErrBadOffsets, "more than 2"},
	{"offsets one", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[1]}}`, []byte{0}), ErrBadOffsets, "has 1 numbers"},
	{"offsets object", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":{"0":1}}}`, []byte{0}), ErrBadOffsets, "not an array"},
	{"overlap", build(`{`+tensor("a", "F32", "[2]", 0, 8)+`,`+tensor("b", "F32", "[2]", 4, 12)+`}`, make([]byte, 12)),
		ErrOverlap, `tensor "b": data_offsets [4, 12) overlap tensor "a", which ends at 8`},
	{"same offsets", build(`{`+tensor("a", "F32", "[2]", 0, 8)+`,`+tensor("b", "F32", "[2]", 0, 8)+`}`, make([]byte, 8)),
		ErrOverlap, "overlap"},
	{"empty tensor inside another", build(`{`+tensor("a", "F32", "[2]", 0, 8)+`,`+tensor("b", "F32", "[0]", 4, 4)+`}`, make([]byte, 8)),
		ErrOverlap, "overlap"},
	{"hole between", build(`{`+tensor("a", "F32", "[2]", 0, 8)+`,`+tensor("b", "F32", "[2]", 12, 20)+`}`, make([]byte, 20)),
		ErrHoles, "leave bytes [8, 12)"},
	{"hole at start", build(`{`+tensor("a", "F32", "[2]", 4, 12)+`}`, make([]byte, 12)), ErrHoles, "leave bytes [0, 4)"},
	{"hole at end", build(`{`+tensor("a", "F32", "[2]", 0, 8)+`}`, make([]byte, 9)), ErrHoles, "bytes [8, 9) at the end"},
	{"data but no tensors", build(`{}`, make([]byte, 1)), ErrHoles, "bytes [0, 1)"},
	{"unknown dtype", build(`{`+tensor("w", "F128", "[1]", 0, 16)+`}`, make([]byte, 16)), ErrBadDType, `dtype "F128" is not a known dtype`},
	{"lowercase dtype", build(`{`+tensor("w", "f32", "[1]", 0, 4)+`}`, make([]byte, 4)), ErrBadDType, `"f32"`},
	{"dtype number", build(`{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), ErrBadDType, "dtype is 4"},
	{"duplicate tensor", build(`{`+tensor("w", "U8", "[1]", 0, 1)+`,`+tensor("w", "U8", "[1]", 1, 2)+`}`, make([]byte, 2)),
		ErrBadHeader, `duplicate tensor name "w"`},
	{"duplicate after unescaping", build(`{`+tensor("w", "U8", "[1]", 0, 1)+`,`+tensor(`\u0077`, "U8", "[1]", 1, 2)+`}`, make([]byte, 2)),
		ErrBadHeader, `duplicate tensor name "w"`},
	{"lone surrogates collide", build(`{`+tensor(`\ud800`, "U8", "[1]", 0, 1)+`,`+tensor(`\udc00`, "U8", "[1]", 1, 2)+`}`, make([]byte, 2)),
		ErrBadHeader, "duplicate tensor name"},
	{"duplicate metadata", build(`{"__metadata__":{},"__metadata__":{}}`, nil), ErrBadHeader, "duplicate __metadata__"},
	{"duplicate field", build(`{"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{0}),
		ErrBadHeader, `tensor "w": duplicate field "dtype"`},
	{"unknown field", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"offsets":[0,1]}}`, []byte{0}),
		ErrBadHeader, `tensor "w": unknown field "offsets"`},
	{"missing field", build(`{"w":{"dtype":"U8","shape":[0]}}`, nil), ErrBadHeader, `missing field "data_offsets"`},
	{"entry not an object", build(`{"w":5}`, nil), ErrBadHeader, `tensor "w": entry is 5`},
	{"entry array", build(`{"w":["U8",[1],[0,1]]}`, []byte{0}), ErrBadHeader, "entry is '['"},
	{"array header", build(`[]`, nil), ErrBadHeader, "start with '{'"},
	{"string header", build(`"{}"`, nil), ErrBadHeader, "start with '{'"},
	{"null header", build(`null`, nil), ErrBadHeader, "start with '{'"},
	{"leading space", build(` {}`, nil), ErrBadHeader, "start with '{'"},
	{"trailing garbage", build(`{}x`, nil), ErrBadHeader, "after its closing"},
	{"two objects", build(`{}{}`, nil), ErrBadHeader, "after its closing"},
	{"NUL padding", build("{}\x00\x00", nil), ErrBadHeader, "after its closing"},
	{"unterminated", build(`{"w":`, nil), ErrBadHeader, "not valid JSON"},
	{"trailing comma", build(`{`+tensor("w", "U8", "[1]", 0, 1)+`,}`, []byte{0}), ErrBadHeader, "not valid JSON"},
	{"invalid UTF-8 name", build("{\"w\xff\":{}}", nil), ErrBadHeader, "not valid UTF-8 (byte 3)"},
	{"invalid UTF-8 padding", build("{}  \xc3", nil), ErrBadHeader, "not valid UTF-8 (byte 4)"},
	{"empty name", build(`{`+tensor("", "U8", "[1]", 0, 1)+`}`, []byte{0}), ErrBadHeader, "empty name"},
	{"name too long", build(`{`+tensor(strings.Repeat("n", MaxNameBytes+1), "U8", "[1]", 0, 1)+`}`, []byte{0}),
		ErrBadHeader, "over the 1024-byte limit"},
	{"metadata value number", build(`{"__metadata__":{"step":100}}`, nil), ErrBadHeader, `__metadata__["step"] is 100, not a string`},
	{"metadata value null", build(`{"__metadata__":{"k":null}}`, nil), ErrBadHeader, "is null"},
	{"metadata nested", build(`{"__metadata__":{"k":{"a":"b"}}}`, nil), ErrBadHeader, "is '{'"},
	{"metadata not object", build(`{"__metadata__":"pt"}`, nil), ErrBadHeader, "not an object"},
	{"metadata null", build(`{"__metadata__":null}`, nil), ErrBadHeader, "null, not an object"},
	{"metadata duplicate key", build(`{"__metadata__":{"k":"a","k":"b"}}`, nil), ErrBadHeader, `duplicate key "k"`},
}

func TestMalformed(t *testing.T) {
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			h, err := readGuarded(t, tt.file)
			if err == nil {
				t.Fatalf("accepted: %+v", h)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %q does not wrap %q", err, tt.want)
			}
			checkRejection(t, err)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestTruncatedEverywhere cuts a valid file at every byte: in the length,
// in the header and in the data. Every cut must be ErrTruncated.
func TestTruncatedEverywhere(t *testing.T) {
	file := writeBytes(t, map[string]string{"step": "1"}, []NamedData{
		{Name: "a", DType: F32, Shape: []uint64{2}, Data: f32(1, 2)},
		{Name: "b", DType: U8, Shape: []uint64{3}, Data: []byte{1, 2, 3}},
	})
	if _, err := readGuarded(t, file); err != nil {
		t.Fatal(err)
	}
	for n := range len(file) {
		_, err := readGuarded(t, file[:n])
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d of %d: error %v, want ErrTruncated", n, len(file), err)
		}
		checkRejection(t, err)
	}
}

// TestValid covers accepted corner cases.
func TestValid(t *testing.T) {
	tests := []struct {
		name    string
		file    []byte
		tensors []string // names in Begin order
		meta    map[string]string
	}{
		{"empty object", build(`{}`, nil), nil, nil},
		{"padded", build("{}      ", nil), nil, nil},
		{"empty metadata", build(`{"__metadata__":{}}`, nil), nil, map[string]string{}},
		{"scalar", build(`{`+tensor("s", "F64", "[]", 0, 8)+`}`, make([]byte, 8)), []string{"s"}, nil},
		{"zero-length first", build(`{`+tensor("b", "F32", "[2]", 0, 8)+`,`+tensor("a", "F32", "[0]", 0, 0)+`}`, make([]byte, 8)),
			[]string{"a", "b"}, nil},
		{"zero-length last", build(`{`+tensor("a", "F32", "[2]", 0, 8)+`,`+tensor("b", "I8", "[3,0]", 8, 8)+`}`, make([]byte, 8)),
			[]string{"a", "b"}, nil},
		{"only zero-length", build(`{`+tensor("a", "F32", "[0]", 0, 0)+`,`+tensor("b", "F32", "[0]", 0, 0)+`}`, nil),
			[]string{"a", "b"}, nil},
		{"all dtypes", build(`{`+tensor("1", "BOOL", "[1]", 0, 1)+`,`+tensor("2", "U8", "[1]", 1, 2)+`,`+
			tensor("3", "I8", "[1]", 2, 3)+`,`+tensor("4", "F8_E5M2", "[1]", 3, 4)+`,`+tensor("5", "F8_E4M3", "[1]", 4, 5)+`,`+
			tensor("6", "I16", "[1]", 5, 7)+`,`+tensor("7", "U16", "[1]", 7, 9)+`,`+tensor("8", "F16", "[1]", 9, 11)+`,`+
			tensor("9", "BF16", "[1]", 11, 13)+`,`+tensor("10", "I32", "[1]", 13, 17)+`,`+tensor("11", "U32", "[1]", 17, 21)+`,`+
			tensor("12", "F32", "[1]", 21, 25)+`,`+tensor("13", "F64", "[1]", 25, 33)+`,`+tensor("14", "I64", "[1]", 33, 41)+`,`+
			tensor("15", "U64", "[1]", 41, 49)+`}`, make([]byte, 49)),
			[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}, nil},
		{"max dims", build(`{`+tensor("w", "U8", "[1,1,1,1,1,1,1,2]", 0, 2)+`}`, make([]byte, 2)), []string{"w"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := readGuarded(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, h, len(tt.file))
			var names []string
			for _, ts := range h.Tensors {
				names = append(names, ts.Name)
			}
			if !reflect.DeepEqual(names, tt.tensors) {
				t.Fatalf("tensors %q, want %q", names, tt.tensors)
			}
			if !reflect.DeepEqual(h.Metadata, tt.meta) {
				t.Fatalf("metadata %#v, want %#v", h.Metadata, tt.meta)
			}
			roundTrip(t, h, tt.file)
		})
	}
}

// TestHugeLengthNoAllocation: a prefix claiming a huge header must be
// rejected from the 8-byte prefix alone, before any large read or
// allocation, even when the claimed file size would allow it.
func TestHugeLengthNoAllocation(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		size int64
		want error
	}{
		{MaxHeaderBytes + 1, 1 << 40, ErrHeaderTooLarge},
		{math.MaxUint64, math.MaxInt64, ErrHeaderTooLarge},
		{1 << 62, 1 << 40, ErrHeaderTooLarge},
		{MaxHeaderBytes, 1 << 20, ErrTruncated}, // within the limit, past the file
		{1 << 20, 1<<20 + 7, ErrTruncated},
	} {
		prefix := binary.LittleEndian.AppendUint64(nil, tc.n)
		// The reader holds only the prefix and fails on any read over 4 KiB.
		r := guardReader{t: t, b: prefix, size: tc.size, maxRead: 4 << 10}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadHeader(r, tc.size)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, tc.want) {
			t.Fatalf("N=%d size=%d: error %v, want %v", tc.n, tc.size, err, tc.want)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
			t.Fatalf("N=%d: allocated %d bytes before rejecting", tc.n, d)
		}
	}
}

// TestErrorFields checks that errors carry the tensor and field for
// callers that report them (errors.As).
func TestErrorFields(t *testing.T) {
	_, err := readGuarded(t, build(`{`+tensor("layer1.weight", "F32", "[2,3]", 0, 20)+`}`, make([]byte, 20)))
	var e *Error
	if !errors.As(err, &e) || e.Tensor != "layer1.weight" || e.Field != "data_offsets" || e.Kind != ErrBadOffsets {
		t.Fatalf("got %#v", e)
	}
	long := strings.Repeat("x", 10*MaxNameBytes)
	_, err = readGuarded(t, build(`{"__metadata__":{"`+long+`":1}}`, nil))
	if err == nil || len(err.Error()) > 2*MaxNameBytes {
		t.Fatalf("error for a huge key is %d bytes", len(err.Error()))
	}
}
