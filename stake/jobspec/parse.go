package jobspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// ParseYAML reads a spec written by a person, in YAML or JSON. It returns the
// spec with defaults filled in (Normalize) once it passes Validate and its
// canonical encoding fits MaxSpecBytes; errors match ErrTooLarge or
// ErrInvalid, and rule violations are *FieldError values.
func ParseYAML(data []byte) (*Spec, error) {
	if err := checkSize(len(data), "the spec"); err != nil {
		return nil, err
	}
	root, err := parseOneDocument(data)
	if err != nil {
		return nil, err
	}
	var shape shapeChecker
	shape.value(root, reflect.TypeFor[Spec](), "")
	if len(shape.errs) > 0 {
		return nil, errors.Join(shape.errs...)
	}
	// The shape check covers what KnownFields does; decoding strictly anyway
	// keeps the two from drifting apart unnoticed.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	s.Normalize()
	// Canonical validates, and a YAML spec within the limit can still grow
	// past it through aliases or JSON escaping.
	if _, err := s.Canonical(); err != nil {
		return nil, err
	}
	return &s, nil
}

// parseOneDocument returns the top-level mapping of the only document.
func parseOneDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the document is empty; a job spec needs at least name, image, command, resources, steps, checkpoint_every, verification, max_price_per_gpu_hour, deposit and max_duration", ErrInvalid)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, fmt.Errorf("%w: more than one YAML document; put one job spec per file", ErrInvalid)
	case !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = resolveAlias(root)
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, fmt.Errorf("%w: the document is empty; a job spec needs at least name, image, command, resources, steps, checkpoint_every, verification, max_price_per_gpu_hour, deposit and max_duration", ErrInvalid)
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: the document must be a mapping of fields such as name, image and command (got a %s)", ErrInvalid, kindName(root))
	}
	return root, nil
}

// ParseCanonical reads a spec as stored on chain. It accepts exactly the
// bytes Canonical produces for a valid spec, so every node agrees on one
// encoding per job; anything else fails with ErrTooLarge, ErrInvalid (the
// *FieldError values of Validate among them) or ErrNotCanonical.
func ParseCanonical(data []byte) (*Spec, error) {
	if err := checkSize(len(data), "the spec"); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		// JSON is YAML: the shape check explains refused and unknown fields
		// with their fix, as it does for `gpunet job submit`.
		if root, perr := parseOneDocument(data); perr == nil {
			var shape shapeChecker
			shape.value(root, reflect.TypeFor[Spec](), "")
			if len(shape.errs) > 0 {
				return nil, errors.Join(shape.errs...)
			}
		}
		return nil, fmt.Errorf("%w: decode JSON: %w; the chain stores specs as canonical JSON: encode it with `gpunet job submit` (or jobspec.Canonical)", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrInvalid)
	}
	want, err := s.Canonical()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(data, want) {
		return nil, fmt.Errorf("%w: first difference at byte %d; encode the spec with `gpunet job submit` (or jobspec.Canonical) instead of by hand",
			ErrNotCanonical, firstDifference(data, want))
	}
	return &s, nil
}

func checkSize(n int, subject string) error {
	if n > MaxSpecBytes {
		return fmt.Errorf("%w: %s is %d bytes, the limit is %d bytes; move data into inputs, which are fetched by hash",
			ErrTooLarge, subject, n, MaxSpecBytes)
	}
	return nil
}

func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
