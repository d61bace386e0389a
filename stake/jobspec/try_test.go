package jobspec

import (
	"os"
	"testing"
)

func TestTry(t *testing.T) {
	b, _ := os.ReadFile("testdata/valid.yaml")
	s, err := ParseYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Canonical()
	t.Logf("%s %v", c, err)
	_, err = ParseCanonical(c)
	t.Log(err)
}
