// Package safetensors parses and validates the safetensors container that
// training jobs write their checkpoints in (step-<8 digits>.safetensors,
// SPEC section 4), and writes it. The provider daemon and verifiers run
// every checkpoint through ReadHeader before hashing or comparing it, so a
// malformed or hostile file is rejected here, with an error naming the
// tensor and field at fault, and never reaches them.
//
// It owns the container only: it must not hash, commit to or compare
// checkpoints (runtime/ and verify/ do), nor load tensors into a framework.
//
// # Format
//
//	u64 little-endian N | N bytes of UTF-8 JSON header | data buffer
//
// The header is an object mapping tensor names to
// {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, plus an
// optional "__metadata__" object of string to string. Offsets are relative
// to the data buffer, which starts at byte 8+N and runs to the end of file.
//
// # Rules
//
// A file is accepted only if all of these hold (the reference
// implementation, huggingface/safetensors, enforces the same layout rules;
// we are stricter about the JSON):
//
//   - the file has at least 8 bytes; N <= MaxHeaderBytes and 8+N <= size,
//     checked before the header is read or allocated;
//   - the header is valid UTF-8, starts with '{', is one JSON object, and
//     only JSON whitespace follows it (writers pad with spaces);
//   - no key appears twice, at the top level, in "__metadata__" or in an
//     entry (compared after unescaping); "__metadata__", if present, is an
//     object whose values are all strings;
//   - tensor names are non-empty valid UTF-8 of at most MaxNameBytes, and
//     there are at most MaxTensors of them;
//   - each entry has exactly the fields dtype, shape and data_offsets;
//     dtype is one of the fifteen names in dtype.go; shape is an array of
//     at most MaxDims integers; data_offsets is an array of two integers;
//     integers are written as plain non-negative decimals below 2^64
//     (no sign, fraction or exponent);
//   - begin <= end <= data buffer length, and end-begin equals
//     product(shape) * dtype size, computed without overflow;
//   - sorted by begin, the tensors tile the data buffer exactly: no
//     overlaps (ErrOverlap), no bytes owned by no tensor (ErrHoles).
//
// Every rejection is an *Error that unwraps to one sentinel in errors.go.
// The reader allocates at most the header plus structures proportional to
// it, reads nothing outside [0, size), and never reads tensor data unless
// asked (File.ReadTensor, bounded by the tensor's validated extent).
package safetensors
