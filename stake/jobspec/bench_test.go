package jobspec

import (
	"encoding/json"
	"testing"
)

// BenchmarkParseCanonical is the chain's per-message cost; compare it with
// BenchmarkJSONUnmarshalBaseline to see what validation and the canonical
// re-encoding add to a plain decode.
func BenchmarkParseCanonical(b *testing.B) {
	c, err := validSpec(b).Canonical()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(c)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCanonical(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONUnmarshalBaseline(b *testing.B) {
	c, err := validSpec(b).Canonical()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(c)))
	b.ReportAllocs()
	for b.Loop() {
		var s Spec
		if err := json.Unmarshal(c, &s); err != nil {
			b.Fatal(err)
		}
	}
}
