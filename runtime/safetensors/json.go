package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Header keys.
const (
	fieldDType   = "dtype"
	fieldShape   = "shape"
	fieldOffsets = "data_offsets"
	metadataKey  = "__metadata__"
)

// parseHeader walks the header JSON token by token rather than decoding it
// into a map: a map would silently keep the last of two duplicate keys, and
// a file whose tensors a verifier and a provider read differently must not
// exist. The walk also stops at the first unexpected token, so nesting depth
// and shape length never grow past what the format allows. dataLen is the
// size of the data buffer and dataStart its file offset.
func parseHeader(buf []byte, dataLen, dataStart uint64) (map[string]string, []Tensor, error) {
	// encoding/json replaces invalid UTF-8 with U+FFFD instead of failing,
	// so check first; two different byte strings must not decode alike.
	if !utf8.Valid(buf) {
		return nil, nil, fileErr(ErrBadHeader, "header is not valid UTF-8 (byte %d)", firstInvalid(buf))
	}
	if len(buf) == 0 || buf[0] != '{' {
		return nil, nil, fileErr(ErrBadHeader, "header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	// Numbers as text: float64 would round offsets above 2^53.
	dec.UseNumber()
	w := walker{dec}
	if err := w.delim('{', "", "header"); err != nil {
		return nil, nil, err
	}
	seen := make(map[string]struct{})
	var meta map[string]string
	var ts []Tensor
	for dec.More() {
		key, err := w.key("")
		if err != nil {
			return nil, nil, err
		}
		// "a" and "\u0061" decode alike, so duplicates are judged decoded.
		if _, dup := seen[key]; dup {
			if key == metadataKey {
				return nil, nil, fileErr(ErrBadHeader, "duplicate %s", metadataKey)
			}
			return nil, nil, fileErr(ErrBadHeader, "duplicate tensor name %q", clip(key, MaxNameBytes))
		}
		seen[key] = struct{}{}
		if key == metadataKey {
			if meta, err = w.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if msg := validName(key); msg != "" {
			return nil, nil, fileErr(ErrBadHeader, "%s", msg)
		}
		if len(ts) == MaxTensors {
			return nil, nil, fileErr(ErrBadHeader, "more than %d tensors", MaxTensors)
		}
		t, err := w.entry(key, dataLen)
		if err != nil {
			return nil, nil, err
		}
		t.Begin += dataStart
		t.End += dataStart
		ts = append(ts, t)
	}
	if err := w.delim('}', "", "header"); err != nil {
		return nil, nil, err
	}
	// Only whitespace may follow the object: writers pad with spaces.
	if rest := buf[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return nil, nil, fileErr(ErrBadHeader, "header has data after its closing '}' at byte %d", dec.InputOffset())
	}
	return meta, ts, nil
}

type walker struct{ dec *json.Decoder }

// token returns the next token; a JSON syntax error, or the header ending
// mid-value, is ErrBadHeader.
func (w walker) token() (json.Token, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return nil, fileErr(ErrBadHeader, "header is not valid JSON: %v", err)
	}
	return tok, nil
}

// delim consumes an expected '{', '}', '[' or ']'. what names the value for
// the error message; tensor is "" outside entries.
func (w walker) delim(want json.Delim, tensor, what string) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if tok != want {
		if tensor != "" {
			return tensorErr(ErrBadHeader, tensor, "", "%s is %s, expected '%v'", what, describe(tok), want)
		}
		return fileErr(ErrBadHeader, "%s is %s, expected '%v'", what, describe(tok), want)
	}
	return nil
}

// key reads an object key. encoding/json only yields strings there.
func (w walker) key(tensor string) (string, error) {
	tok, err := w.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", tensorErr(ErrBadHeader, tensor, "", "object key is %s, not a string", describe(tok))
	}
	return s, nil
}

// metadata reads the "__metadata__" object: string keys to string values,
// no duplicates, nothing nested.
func (w walker) metadata() (map[string]string, error) {
	tok, err := w.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, &Error{Kind: ErrBadHeader, Field: metadataKey, Msg: fmt.Sprintf("%s is %s, not an object", metadataKey, describe(tok))}
	}
	m := make(map[string]string)
	for w.dec.More() {
		k, err := w.key("")
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, &Error{Kind: ErrBadHeader, Field: metadataKey, Msg: fmt.Sprintf("%s has duplicate key %q", metadataKey, clip(k, MaxNameBytes))}
		}
		tok, err := w.token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, &Error{Kind: ErrBadHeader, Field: metadataKey, Msg: fmt.Sprintf("%s[%q] is %s, not a string", metadataKey, clip(k, MaxNameBytes), describe(tok))}
		}
		m[k] = v
	}
	return m, w.delim('}', "", metadataKey)
}

// entry reads one tensor's {"dtype", "shape", "data_offsets"} object and
// checks it against a data buffer of dataLen bytes. Begin and End of the
// result are still relative to the data buffer.
func (w walker) entry(name string, dataLen uint64) (Tensor, error) {
	t := Tensor{Name: name}
	if err := w.delim('{', name, "entry"); err != nil {
		return t, err
	}
	var haveDType, haveShape, haveOffsets bool
	var offs []uint64
	for w.dec.More() {
		key, err := w.key(name)
		if err != nil {
			return t, err
		}
		var dup bool
		switch key {
		case fieldDType:
			dup, haveDType = haveDType, true
			if !dup {
				t.DType, err = w.dtype(name)
			}
		case fieldShape:
			dup, haveShape = haveShape, true
			if !dup {
				t.Shape, err = w.uints(name, fieldShape, ErrBadShape, MaxDims)
			}
		case fieldOffsets:
			dup, haveOffsets = haveOffsets, true
			if !dup {
				offs, err = w.uints(name, fieldOffsets, ErrBadOffsets, 2)
				if err == nil && len(offs) != 2 {
					err = tensorErr(ErrBadOffsets, name, fieldOffsets, "data_offsets has %d numbers, not 2", len(offs))
				}
			}
		default:
			return t, tensorErr(ErrBadHeader, name, "", "unknown field %q", clip(key, 64))
		}
		if dup {
			return t, tensorErr(ErrBadHeader, name, key, "duplicate field %q", key)
		}
		if err != nil {
			return t, err
		}
	}
	if err := w.delim('}', name, "entry"); err != nil {
		return t, err
	}
	for _, f := range []struct {
		ok   bool
		name string
	}{{haveDType, fieldDType}, {haveShape, fieldShape}, {haveOffsets, fieldOffsets}} {
		if !f.ok {
			return t, tensorErr(ErrBadHeader, name, f.name, "missing field %q", f.name)
		}
	}
	if err := checkEntry(name, t.DType, t.Shape, offs[0], offs[1], dataLen); err != nil {
		return t, err
	}
	t.Begin, t.End = offs[0], offs[1]
	return t, nil
}

func (w walker) dtype(name string) (DType, error) {
	tok, err := w.token()
	if err != nil {
		return 0, err
	}
	s, ok := tok.(string)
	if !ok {
		return 0, tensorErr(ErrBadDType, name, fieldDType, "dtype is %s, not a string", describe(tok))
	}
	d, ok := ParseDType(s)
	if !ok {
		return 0, tensorErr(ErrBadDType, name, fieldDType, "dtype %q is not a known dtype", clip(s, 64))
	}
	return d, nil
}

// uints reads an array of at most max non-negative integers that fit in
// uint64, failing with kind on anything else: negatives, fractions,
// exponents ("1e3" is an integer in value but no writer produces it, and
// accepting it would give one tensor two spellings), nesting, null.
func (w walker) uints(name, field string, kind error, max int) ([]uint64, error) {
	tok, err := w.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, tensorErr(kind, name, field, "%s is %s, not an array", field, describe(tok))
	}
	var out []uint64
	for w.dec.More() {
		tok, err := w.token()
		if err != nil {
			return nil, err
		}
		if len(out) == max {
			return nil, tensorErr(kind, name, field, "%s has more than %d elements", field, max)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, tensorErr(kind, name, field, "%s[%d] is %s, not an integer", field, len(out), describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			return nil, tensorErr(kind, name, field, "%s[%d] is %s, not an integer in [0, 2^64)", field, len(out), clip(string(num), 64))
		}
		out = append(out, v)
	}
	return out, w.delim(']', name, field)
}

// describe names a token for an error message without echoing megabytes.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return "'" + v.String() + "'"
	case string:
		return strconv.Quote(clip(v, 64))
	case json.Number:
		return clip(string(v), 64)
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}

// firstInvalid is the offset of the first byte of buf that is not part of
// valid UTF-8, for the error message.
func firstInvalid(buf []byte) int {
	for i := 0; i < len(buf); {
		r, n := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(buf)
}
