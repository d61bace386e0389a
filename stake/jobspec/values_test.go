package jobspec

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"
)

func TestParseAmount(t *testing.T) {
	rows := []struct {
		in, want string // want "" means an error
	}{
		{"50000000ugpu", "50000000ugpu"},
		{"50gpu", "50000000ugpu"},
		{"2.5gpu", "2500000ugpu"},
		{"0.000001gpu", "1ugpu"},
		{"007ugpu", "7ugpu"},
		{"1 gpu", "1000000ugpu"},
		{"-3ugpu", "-3ugpu"},
		{"0.0000001gpu", ""},
		{"1.5ugpu", ""},
		{"5atom", ""},
		{"5GPU", ""},
		{"0x10ugpu", ""},
		{"1_000ugpu", ""},
		{"1e6ugpu", ""},
		{".5gpu", ""},
		{"5.gpu", ""},
		{"", ""},
		{"ugpu", ""},
		{"100", ""},
		{strings.Repeat("9", MaxAmountDigits+1) + "ugpu", ""},
	}
	for _, row := range rows {
		a, err := ParseAmount(row.in)
		switch {
		case row.want == "" && err == nil:
			t.Errorf("ParseAmount(%q) = %s, want an error", row.in, a)
		case row.want != "" && (err != nil || a.String() != row.want):
			t.Errorf("ParseAmount(%q) = %s, %v; want %s", row.in, a, err, row.want)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	var a Amount
	for in, want := range map[string]string{`"2gpu"`: "2000000ugpu", `7`: "7ugpu", `null`: "", `""`: ""} {
		if err := json.Unmarshal([]byte(in), &a); err != nil || a.String() != want {
			t.Errorf("unmarshal %s = %q, %v; want %q", in, a, err, want)
		}
	}
	for _, in := range []string{`1.5`, `true`, `"1.5ugpu"`, `[1]`} {
		if err := json.Unmarshal([]byte(in), &a); err != nil || a.bad == nil {
			t.Errorf("unmarshal %s: err %v, bad %v; want a kept problem", in, err, a.bad)
		}
		if _, err := json.Marshal(a); err == nil {
			t.Errorf("marshal of bad amount %s succeeded", in)
		}
	}
}

func TestParseDurationMatchesTime(t *testing.T) {
	for _, in := range []string{
		"2h", "90m", "1h30m", "1h30m0s", "1.5h", "0.5s", "1.000000001s", "300ms", "1us", "1µs", "1μs",
		"10ns", "+5m", "-5m", "0", "1h0.5m", ".5h", "1.h", "720h0m0s", "2562047h47m16.854775807s",
		"-2562047h47m16.854775808s",
	} {
		want, err := time.ParseDuration(in)
		if err != nil {
			t.Fatalf("bad row %q: %v", in, err)
		}
		got, err := ParseDuration(in)
		if err != nil || got.Duration() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got.Duration(), err, want)
		}
		if back, err := ParseDuration(want.String()); err != nil || back.Duration() != want {
			t.Errorf("String form %q does not parse back: %v", want.String(), err)
		}
	}
	for _, in := range []string{"", "h", "1", "1d", "1.5", "1h ", " 1h", ".", "-", "0.5ns", "1.0000000001s",
		"2562047h47m16.854775808s", "9999999999999999999h", "99999999999999999999ns", "1h-1m"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d.Duration())
		}
	}
}

func TestAmountHumane(t *testing.T) {
	for ugpu, want := range map[int64]string{
		1:          "1ugpu (0.000001gpu)",
		2_500_000:  "2500000ugpu (2.5gpu)",
		7_000_000:  "7000000ugpu (7gpu)",
		10_000_010: "10000010ugpu (10.00001gpu)",
	} {
		if got := NewAmount(math.NewInt(ugpu)).humane(); got != want {
			t.Errorf("humane(%d) = %q, want %q", ugpu, got, want)
		}
	}
}
