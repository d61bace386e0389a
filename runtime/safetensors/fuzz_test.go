package safetensors

import (
	"encoding/binary"
	"reflect"
	"runtime/metrics"
	"testing"
)

// heapAllocs is the process's cumulative heap allocation in bytes. It is
// cheaper than runtime.ReadMemStats (no stop-the-world) and counts large
// allocations, the ones a hostile length could cause, at once.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// FuzzReadHeader feeds arbitrary bytes to ReadHeader. It must never panic,
// read outside the file, or allocate more than a small multiple of the
// file's size; it must reject with exactly one sentinel; and whatever it
// accepts must keep every promise of Header, read identically twice, and
// survive a Write round trip.
func FuzzReadHeader(f *testing.F) {
	for _, tt := range malformed {
		f.Add(tt.file)
	}
	f.Add(build(`{}`, nil))
	f.Add(build(`{"__metadata__":{"step":"1"}}`, nil))
	f.Add(build(`{`+tensor("a", "F32", "[2]", 0, 8)+`,`+tensor("b", "F32", "[0]", 8, 8)+`,`+
		tensor("c", "U8", "[]", 8, 9)+`}`, make([]byte, 9)))
	f.Add(writeBytes(f, map[string]string{"format": "pt"}, []NamedData{
		{Name: "layer1.weight", DType: F32, Shape: []uint64{2, 3}, Data: f32(1, 2, 3, 4, 5, 6)},
		{Name: "rng", DType: U8, Shape: []uint64{4}, Data: []byte{1, 2, 3, 4}},
		{Name: "step", DType: I64, Shape: []uint64{}, Data: make([]byte, 8)},
	}))
	f.Fuzz(checkFile)
}

// FuzzHeaderText fuzzes the JSON alone: it frames hdr with a correct length
// prefix and dataLen zero bytes, so mutations explore the parser instead of
// mostly breaking the prefix.
func FuzzHeaderText(f *testing.F) {
	for _, tt := range malformed {
		if len(tt.file) >= 8 {
			n := binary.LittleEndian.Uint64(tt.file)
			if n <= uint64(len(tt.file)-8) {
				f.Add(tt.file[8:8+n], uint16(uint64(len(tt.file))-8-n))
			}
		}
	}
	f.Add([]byte(`{"__metadata__":{"a":"b"},`+tensor("x", "BF16", "[2,2]", 0, 8)+`,`+tensor("y", "U8", "[0]", 8, 8)+`}  `), uint16(8))
	f.Fuzz(func(t *testing.T, hdr []byte, dataLen uint16) {
		checkFile(t, build(string(hdr), make([]byte, dataLen%4096)))
	})
}

// checkFile is the property both fuzz targets check.
func checkFile(t *testing.T, file []byte) {
	before := heapAllocs()
	h, err := readGuarded(t, file)
	// The header is at most the file; parsing it costs a bounded
	// factor more (about 26x for a header of a million tiny entries:
	// tokens, names, the duplicate set). The slack covers the decoder's
	// fixed buffers and the runtime crediting allocations per span, so
	// a span another goroutine filled may be counted here.
	if d := heapAllocs() - before; d > 4<<20+64*uint64(len(file)) {
		t.Fatalf("allocated %d bytes for a %d-byte file", d, len(file))
	}
	if err != nil {
		checkRejection(t, err)
		return
	}
	checkInvariants(t, h, len(file))
	h2, err := readGuarded(t, file)
	if err != nil || !reflect.DeepEqual(h, h2) {
		t.Fatalf("second read differs: %v", err)
	}
	roundTrip(t, h, file)
}
