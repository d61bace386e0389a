package safetensors

import "strconv"

// DType is a tensor element type. The zero value is not a valid dtype, so a
// forgotten field is caught by Write rather than written as something.
type DType uint8

// The dtypes of the safetensors format, by their names in the header.
const (
	BOOL DType = iota + 1
	U8
	I8
	F8_E5M2
	F8_E4M3
	I16
	U16
	F16
	BF16
	I32
	U32
	F32
	F64
	I64
	U64
)

var dtypeNames = [...]string{
	BOOL: "BOOL", U8: "U8", I8: "I8", F8_E5M2: "F8_E5M2", F8_E4M3: "F8_E4M3",
	I16: "I16", U16: "U16", F16: "F16", BF16: "BF16",
	I32: "I32", U32: "U32", F32: "F32",
	F64: "F64", I64: "I64", U64: "U64",
}

var dtypeSizes = [...]uint64{
	BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
	I16: 2, U16: 2, F16: 2, BF16: 2,
	I32: 4, U32: 4, F32: 4,
	F64: 8, I64: 8, U64: 8,
}

// ParseDType maps a header name ("F32") to its DType. Names are
// case-sensitive, as in the reference implementation.
func ParseDType(s string) (DType, bool) {
	for d := BOOL; d <= U64; d++ {
		if dtypeNames[d] == s {
			return d, true
		}
	}
	return 0, false
}

// Valid reports whether d is one of the constants above.
func (d DType) Valid() bool { return d >= BOOL && d <= U64 }

// Size is the byte size of one element, or 0 for an invalid dtype.
func (d DType) Size() uint64 {
	if !d.Valid() {
		return 0
	}
	return dtypeSizes[d]
}

// String is the header name of d.
func (d DType) String() string {
	if !d.Valid() {
		return "DType(" + strconv.Itoa(int(d)) + ")"
	}
	return dtypeNames[d]
}
