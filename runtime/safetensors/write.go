package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// NamedData is one tensor for Write: its bytes, little-endian, row-major.
type NamedData struct {
	Name  string
	DType DType
	Shape []uint64
	Data  []byte
}

// Write writes a safetensors file holding tensors and, when meta is not
// empty, a "__metadata__" object. Output is deterministic, since checkpoints
// are hashed and compared byte for byte: tensors in name order, data laid
// out in the same order, metadata keys sorted, no insignificant whitespace
// except the header padded with spaces to a multiple of 8 bytes (so the data
// buffer starts 8-aligned, as the reference writer does). It checks its
// input against the rules ReadHeader applies, so whatever it writes reads
// back; a bad input is an *Error and nothing is written.
func Write(w io.Writer, meta map[string]string, tensors []NamedData) error {
	hdr, order, err := encodeHeader(meta, tensors)
	if err != nil {
		return err
	}
	var prefix [prefixBytes]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(hdr)))
	if _, err := w.Write(prefix[:]); err != nil {
		return fmt.Errorf("safetensors: write header length: %w", err)
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("safetensors: write header: %w", err)
	}
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return fmt.Errorf("safetensors: write tensor %q: %w", tensors[i].Name, err)
		}
	}
	return nil
}

// encodeHeader validates the input and returns the padded header and the
// order (indices into tensors) in which to write the data.
func encodeHeader(meta map[string]string, tensors []NamedData) ([]byte, []int, error) {
	if len(tensors) > MaxTensors {
		return nil, nil, fileErr(ErrBadHeader, "%d tensors, over the limit of %d", len(tensors), MaxTensors)
	}
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(tensors[a].Name, tensors[b].Name) })

	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		appendString(&b, metadataKey)
		b.WriteString(":{")
		for i, k := range slices.Sorted(maps.Keys(meta)) {
			v := meta[k]
			// encoding/json would write U+FFFD for invalid UTF-8, and the
			// file would not read back as given.
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, &Error{Kind: ErrBadHeader, Field: metadataKey,
					Msg: fmt.Sprintf("%s[%q] is not valid UTF-8", metadataKey, clip(k, MaxNameBytes))}
			}
			if i > 0 {
				b.WriteByte(',')
			}
			appendString(&b, k)
			b.WriteByte(':')
			appendString(&b, v)
		}
		b.WriteByte('}')
	}
	var off uint64 // sum of len(Data) of in-memory slices: cannot overflow
	for j, i := range order {
		t := &tensors[i]
		if err := checkNamedData(t); err != nil {
			return nil, nil, err
		}
		if j > 0 && tensors[order[j-1]].Name == t.Name {
			return nil, nil, fileErr(ErrBadHeader, "duplicate tensor name %q", clip(t.Name, MaxNameBytes))
		}
		if j > 0 || len(meta) > 0 {
			b.WriteByte(',')
		}
		appendString(&b, t.Name)
		b.WriteString(`:{"dtype":"`)
		b.WriteString(t.DType.String())
		b.WriteString(`","shape":[`)
		for k, d := range t.Shape {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatUint(d, 10))
		}
		end := off + uint64(len(t.Data))
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderBytes {
		return nil, nil, fileErr(ErrHeaderTooLarge, "header of %d bytes exceeds the %d-byte limit", b.Len(), MaxHeaderBytes)
	}
	return b.Bytes(), order, nil
}

// checkNamedData applies ReadHeader's per-tensor rules to Write's input.
func checkNamedData(t *NamedData) error {
	if msg := validName(t.Name); msg != "" {
		return fileErr(ErrBadHeader, "%s", msg)
	}
	if t.Name == metadataKey {
		return fileErr(ErrBadHeader, "tensor name %q is reserved", metadataKey)
	}
	if !t.DType.Valid() {
		return tensorErr(ErrBadDType, t.Name, fieldDType, "dtype %v is not a known dtype", t.DType)
	}
	if len(t.Shape) > MaxDims {
		return tensorErr(ErrBadShape, t.Name, fieldShape, "shape has %d dims, over the limit of %d", len(t.Shape), MaxDims)
	}
	need, ok := byteSize(t.DType, t.Shape)
	if !ok {
		return tensorErr(ErrBadShape, t.Name, fieldShape, "shape %v of %v needs more than 2^64 bytes", t.Shape, t.DType)
	}
	if uint64(len(t.Data)) != need {
		return tensorErr(ErrBadShape, t.Name, fieldShape, "shape %v of %v needs %d bytes but Data has %d", t.Shape, t.DType, need, len(t.Data))
	}
	return nil
}

// appendString writes s as a JSON string. HTML escaping is off: it only
// makes names harder to read in the header.
func appendString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes; Buffer writes never fail
	b.Truncate(b.Len() - 1) // Encode ends with '\n'
}
