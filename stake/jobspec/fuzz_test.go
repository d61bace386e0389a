package jobspec

import (
	"bytes"
	"errors"
	"testing"
)

// every error the parsers return is one the caller can classify.
func classified(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNotCanonical)
}

func FuzzParseYAML(f *testing.F) {
	valid := validYAML(f)
	f.Add(valid)
	if c, err := validSpec(f).Canonical(); err == nil {
		f.Add(c)
	}
	for _, seed := range []string{
		"",
		"~",
		"privileged: true\n",
		"resources: {gpus: -1, devices: [/dev/kvm]}\n",
		"steps: 1.5\ncheckpoint_every: .inf\n",
		"deposit: 2.5\nmax_duration: 3600\n",
		"a: &a [*a]\ncommand: *a\n",
		"<<: {name: x}\n",
		"name: a\nname: b\n",
		"---\n---\n",
		"env: {\"\": x, 1: y}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseYAML(data)
		if err != nil {
			if !classified(err) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		c, err := s.Canonical()
		if err != nil {
			t.Fatalf("accepted spec does not encode: %v", err)
		}
		p, err := ParseCanonical(c)
		if err != nil {
			t.Fatalf("ParseCanonical refuses the canonical bytes of an accepted spec: %v\n%s", err, c)
		}
		if c2, err := p.Canonical(); err != nil || !bytes.Equal(c, c2) {
			t.Fatalf("canonical form is not a fixed point (%v):\n%s\n%s", err, c, c2)
		}
	})
}

func FuzzParseCanonical(f *testing.F) {
	c, err := validSpec(f).Canonical()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c)
	f.Add(bytes.Replace(c, []byte(`"mode":"tolerance"`), []byte(`"mode":"exact"`), 1))
	f.Add(bytes.Replace(c, []byte(`"gpus":2`), []byte(`"gpus":0`), 1))
	for _, seed := range []string{"", "null", "{}", "[]", `{"name":"x"}`, `{"steps":1e3}`, `{"deposit":"1.5gpu"}`, "{} {}"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseCanonical(data)
		if err != nil {
			if !classified(err) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		out, err := s.Canonical()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("accepted bytes do not re-encode identically (%v):\n%s\n%s", err, data, out)
		}
	})
}
