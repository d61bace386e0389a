package runner

import (
	"bufio"
	"strings"
	"testing"
)

func TestParseProgress(t *testing.T) {
	tests := []struct {
		line string
		want Progress
		ok   bool
	}{
		{`{"step":50,"loss":0.25}`, Progress{Step: 50, Loss: 0.25, HasLoss: true}, true},
		{`  {"step":7}  `, Progress{Step: 7}, true},
		{`{"step":0,"loss":1e-3,"lr":0.1}`, Progress{Step: 0, Loss: 1e-3, HasLoss: true}, true},
		{`{"loss":0.5}`, Progress{}, false},
		{`{"step":-1,"loss":0.5}`, Progress{}, false},
		{`{"step":"5"}`, Progress{}, false},
		{`{"step":1.5}`, Progress{}, false},
		{`epoch 1 done`, Progress{}, false},
		{`{"step":5`, Progress{}, false},
		{``, Progress{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseProgress([]byte(tt.line))
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseProgress(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// A line longer than the reader's buffer is cut, and the next line is read
// whole: a job cannot make the runner hold an unbounded line.
func TestReadLineCutsLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*maxLineBytes)
	br := bufio.NewReaderSize(strings.NewReader(long+"\n{\"step\":3}\nlast"), maxLineBytes)
	line, err := readLine(br)
	if err != nil || len(line) != maxLineBytes {
		t.Fatalf("first line: %d bytes, %v", len(line), err)
	}
	if line, err = readLine(br); err != nil || string(line) != `{"step":3}` {
		t.Fatalf("second line %q, %v", line, err)
	}
	if line, err = readLine(br); string(line) != "last" || err == nil {
		t.Fatalf("last line %q, %v; want it with EOF", line, err)
	}
}

func FuzzParseProgress(f *testing.F) {
	for _, s := range []string{`{"step":50,"loss":0.25}`, `{"step":-1}`, `{}`, `{"step":1e400}`, "\x00{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		p, ok := ParseProgress(line)
		if ok && p.Step < 0 {
			t.Fatalf("negative step %d accepted from %q", p.Step, line)
		}
		if !ok && p != (Progress{}) {
			t.Fatalf("rejected line gave %+v", p)
		}
	})
}
