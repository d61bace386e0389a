package jobspec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Canonical encodes a valid spec as the bytes the chain stores: compact JSON
// in struct field order with sorted env keys (encoding/json's rules), every
// field present, defaults filled in (see Normalize), amounts as "<n>ugpu",
// durations in time.Duration's String form and no HTML escaping. Validate
// forbids the control characters whose escaping encoding/json could change,
// so the bytes depend only on stable parts of it. The receiver is not
// modified.
func (s *Spec) Canonical() ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no spec", ErrInvalid)
	}
	c := s.clone()
	c.Normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode job spec: %w", err)
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err := checkSize(len(out), "the spec's canonical JSON"); err != nil {
		return nil, err
	}
	return out, nil
}

// Normalize fills the defaults so the canonical form states them: empty
// lists and env instead of null, verification mode exact, each input's file
// name, and the tolerance without redundant zeros. It changes nothing that
// Validate would judge differently.
func (s *Spec) Normalize() {
	if s.Command == nil {
		s.Command = []string{}
	}
	if s.Env == nil {
		s.Env = map[string]string{}
	}
	if s.Resources.GPUModels == nil {
		s.Resources.GPUModels = []string{}
	}
	if s.Inputs == nil {
		s.Inputs = []Input{}
	}
	for i := range s.Inputs {
		s.Inputs[i].Name = s.Inputs[i].FileName()
	}
	if s.Verification.Mode == "" {
		s.Verification.Mode = ModeExact
	}
	if t, ok := normalizeDecimal(s.Verification.Tolerance); ok {
		s.Verification.Tolerance = t
	}
}

func (s *Spec) clone() *Spec {
	c := *s
	c.Command = slices.Clone(s.Command)
	c.Env = maps.Clone(s.Env)
	c.Resources.GPUModels = slices.Clone(s.Resources.GPUModels)
	c.Inputs = slices.Clone(s.Inputs)
	return &c
}
