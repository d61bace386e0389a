package jobspec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in Go syntax ("2h", "90m",
// "1h30m0s"). It encodes as time.Duration's String form, which is what
// canonical JSON holds. Parsing is done here in integer nanoseconds because
// time.ParseDuration computes fractions in floating point.
type Duration struct {
	d   time.Duration
	raw string
	bad *problem
}

const durationFix = `write it in Go duration syntax with a unit, e.g. "2h", "90m" or "1h30m" (units ns, us, ms, s, m, h)`

// NewDuration wraps d.
func NewDuration(d time.Duration) Duration { return Duration{d: d} }

// ParseDuration reads Go duration syntax exactly, without floating point.
func ParseDuration(s string) (Duration, error) {
	d, p := parseDuration(s)
	if p != nil {
		return Duration{}, fmt.Errorf("parse duration %q: %s", s, p.text)
	}
	return Duration{d: d}, nil
}

// Duration is the wrapped value; zero when unset or unparsable.
func (d Duration) Duration() time.Duration {
	if d.bad != nil {
		return 0
	}
	return d.d
}

// String is the canonical form, or the original text of an unparsable one.
func (d Duration) String() string {
	if d.bad != nil {
		return d.raw
	}
	return d.d.String()
}

func (d Duration) MarshalJSON() ([]byte, error) {
	if d.bad != nil {
		return nil, fmt.Errorf("encode duration %q: %s", d.raw, d.bad.text)
	}
	return json.Marshal(d.d.String())
}

// UnmarshalJSON fails only on malformed JSON; a bad duration is kept for
// Validate to report with its field path.
func (d *Duration) UnmarshalJSON(b []byte) error {
	*d = Duration{}
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		d.raw = string(b)
		d.bad = &problem{text: fmt.Sprintf("must be a duration string (got %s)", b), fix: durationFix}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d.set(s)
	return nil
}

func (d Duration) MarshalYAML() (any, error) {
	if d.bad != nil {
		return nil, fmt.Errorf("encode duration %q: %s", d.raw, d.bad.text)
	}
	return d.d.String(), nil
}

// UnmarshalYAML refuses bare numbers: "3600" has no unit and seconds or
// hours are both plausible readings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	*d = Duration{}
	switch {
	case n.Kind != yaml.ScalarNode:
		d.raw = "<" + kindName(n) + ">"
		d.bad = &problem{text: "must be a duration string (got a " + kindName(n) + ")", fix: durationFix}
	case n.ShortTag() == "!!str":
		d.set(n.Value)
	default:
		d.raw = n.Value
		d.bad = &problem{text: fmt.Sprintf("has no unit (got %s)", n.Value), fix: durationFix}
	}
	return nil
}

func (d *Duration) set(s string) {
	if s == "" {
		return
	}
	v, p := parseDuration(s)
	if p != nil {
		d.raw, d.bad = s, p
		return
	}
	d.d = v
}

var durationUnits = map[string]uint64{
	"ns": uint64(time.Nanosecond),
	"us": uint64(time.Microsecond),
	"µs": uint64(time.Microsecond), // U+00B5 micro sign
	"μs": uint64(time.Microsecond), // U+03BC Greek mu
	"ms": uint64(time.Millisecond),
	"s":  uint64(time.Second),
	"m":  uint64(time.Minute),
	"h":  uint64(time.Hour),
}

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// parseDuration accepts what time.ParseDuration accepts: [-+]("0" |
// (digits[.digits] unit)+), with the sum exact in nanoseconds.
func parseDuration(s string) (time.Duration, *problem) {
	bad := func(format string, args ...any) (time.Duration, *problem) {
		return 0, &problem{text: fmt.Sprintf(format, args...), fix: durationFix}
	}
	rest, neg := strings.CutPrefix(s, "-")
	if !neg {
		rest = strings.TrimPrefix(rest, "+")
	}
	if rest == "0" {
		return 0, nil
	}
	if rest == "" {
		return bad("is not a duration (got %q)", s)
	}
	const limit = uint64(1 << 63)
	var total uint64
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		whole := rest[:i]
		rest = rest[i:]
		var frac string
		if strings.HasPrefix(rest, ".") {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			frac, rest = rest[1:j], rest[j:]
		}
		if whole == "" && frac == "" {
			return bad("is not a duration (got %q)", s)
		}
		j := 0
		for j < len(rest) && rest[j] != '.' && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unitName := rest[:j]
		rest = rest[j:]
		unit, ok := durationUnits[unitName]
		if !ok {
			if unitName == "" {
				return bad("has a number without a unit (got %q)", s)
			}
			return bad("has unknown unit %q (got %q)", unitName, s)
		}
		w, ok := parseUint(whole)
		if !ok {
			return bad("is too long (got %q); at most %s", s, MaxDuration)
		}
		hi, lo := bits.Mul64(w, unit)
		if hi != 0 || lo > limit {
			return bad("is too long (got %q); at most %s", s, MaxDuration)
		}
		v := lo
		frac = strings.TrimRight(frac, "0")
		if frac != "" {
			if len(frac) >= len(pow10) {
				return bad("is more precise than a nanosecond (got %q)", s)
			}
			f, _ := parseUint(frac)
			scale := pow10[len(frac)]
			fh, fl := bits.Mul64(f, unit)
			// f < scale, so f*unit/scale < unit and the quotient fits.
			q, r := bits.Div64(fh, fl, scale)
			if r != 0 {
				return bad("is more precise than a nanosecond (got %q)", s)
			}
			v += q
		}
		if v > limit || total > limit-v {
			return bad("is too long (got %q); at most %s", s, MaxDuration)
		}
		total += v
	}
	switch {
	case neg && total == limit:
		return time.Duration(-1 << 63), nil
	case neg:
		return -time.Duration(total), nil
	case total == limit:
		return bad("is too long (got %q); at most %s", s, MaxDuration)
	}
	return time.Duration(total), nil
}

// parseUint reads decimal digits, reporting overflow; "" is 0.
func parseUint(s string) (uint64, bool) {
	var v uint64
	for i := 0; i < len(s); i++ {
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return 0, false
		}
		v = lo + uint64(s[i]-'0')
		if v < lo {
			return 0, false
		}
	}
	return v, true
}
