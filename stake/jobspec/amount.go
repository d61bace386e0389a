package jobspec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"cosmossdk.io/math"
	"go.yaml.in/yaml/v3"
)

// Amount is a quantity of ugpu. People write "50000000ugpu", "50gpu" or
// "2.5gpu" (at most 6 decimals), or in YAML a bare integer of ugpu; it always
// encodes as "<n>ugpu". The zero Amount is unset.
type Amount struct {
	v   math.Int // nil when unset or unparsable
	raw string   // the text that failed to parse, for messages
	bad *problem // set by Unmarshal*; Validate reports it with the field path
}

const amountFix = `write it as "<n>ugpu" or "<x>gpu", e.g. "50gpu", "2.5gpu" or "50000000ugpu" (1 gpu = 1000000 ugpu)`

// NewAmount wraps a ugpu amount.
func NewAmount(ugpu math.Int) Amount {
	if ugpu.IsNil() {
		return Amount{}
	}
	return Amount{v: ugpu}
}

// ParseAmount reads the forms Amount accepts in text.
func ParseAmount(s string) (Amount, error) {
	v, p := parseAmount(s)
	if p != nil {
		return Amount{}, fmt.Errorf("parse amount %q: %s", s, p.text)
	}
	return Amount{v: v}, nil
}

// Int is the amount in ugpu; zero when unset or unparsable.
func (a Amount) Int() math.Int {
	if a.v.IsNil() {
		return math.ZeroInt()
	}
	return a.v
}

// IsSet reports whether the amount was given, well-formed or not.
func (a Amount) IsSet() bool { return !a.v.IsNil() || a.bad != nil }

// String is the canonical "<n>ugpu" form, the original text of an
// unparsable amount, or "" when unset.
func (a Amount) String() string {
	if a.bad != nil {
		return a.raw
	}
	if a.v.IsNil() {
		return ""
	}
	return a.v.String() + Denom
}

// humane adds the gpu form to a valid positive amount for messages:
// "2500000ugpu (2.5gpu)".
func (a Amount) humane() string {
	if a.bad != nil || a.v.IsNil() || !a.v.IsPositive() {
		return a.String()
	}
	digits := a.v.String()
	if len(digits) <= 6 {
		digits = strings.Repeat("0", 7-len(digits)) + digits
	}
	whole, frac := digits[:len(digits)-6], strings.TrimRight(digits[len(digits)-6:], "0")
	if frac != "" {
		whole += "." + frac
	}
	return a.String() + " (" + whole + "gpu)"
}

func (a Amount) MarshalJSON() ([]byte, error) {
	if a.bad != nil {
		return nil, fmt.Errorf("encode amount %q: %s", a.raw, a.bad.text)
	}
	return json.Marshal(a.String())
}

// UnmarshalJSON accepts a string or an integer number of ugpu. It fails only
// on malformed JSON; a bad amount is kept for Validate to report.
func (a *Amount) UnmarshalJSON(b []byte) error {
	*a = Amount{}
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		a.set(s)
	case isInteger(string(b)):
		a.set(string(b) + Denom)
	default:
		a.raw = string(b)
		a.bad = &problem{text: fmt.Sprintf("must be a string amount (got %s)", b), fix: amountFix}
	}
	return nil
}

func (a Amount) MarshalYAML() (any, error) {
	if a.bad != nil {
		return nil, fmt.Errorf("encode amount %q: %s", a.raw, a.bad.text)
	}
	return a.String(), nil
}

// UnmarshalYAML accepts a string or a bare integer of ugpu, and refuses a
// float, which could not carry the amount exactly. Like UnmarshalJSON it
// leaves problems for Validate.
func (a *Amount) UnmarshalYAML(n *yaml.Node) error {
	*a = Amount{}
	if n.Kind != yaml.ScalarNode {
		a.raw = "<" + kindName(n) + ">"
		a.bad = &problem{text: "must be a string amount (got a " + kindName(n) + ")", fix: amountFix}
		return nil
	}
	switch n.ShortTag() {
	case "!!str":
		a.set(n.Value)
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil {
			a.raw = n.Value
			a.bad = &problem{text: fmt.Sprintf("is too large for a bare integer (got %s)", n.Value), fix: amountFix}
			return nil
		}
		a.set(strconv.FormatInt(v, 10) + Denom)
	case "!!float":
		a.raw = n.Value
		a.bad = &problem{
			text: fmt.Sprintf("is a floating-point number (got %s); amounts must be exact", n.Value),
			fix:  `quote it with a unit, e.g. "2.5gpu", or give a whole number of ugpu`,
		}
	default:
		a.raw = n.Value
		a.bad = &problem{text: fmt.Sprintf("must be an amount (got %q)", n.Value), fix: amountFix}
	}
	return nil
}

func (a *Amount) set(s string) {
	if s == "" {
		return
	}
	v, p := parseAmount(s)
	if p != nil {
		a.raw, a.bad = s, p
		return
	}
	a.v = v
}

// parseAmount reads [-]digits[.digits][ ]unit by hand: math.Int's own
// parser takes base prefixes and underscores, and floats are out.
func parseAmount(s string) (math.Int, *problem) {
	bad := func(format string, args ...any) (math.Int, *problem) {
		return math.Int{}, &problem{text: fmt.Sprintf(format, args...), fix: amountFix}
	}
	body, neg := strings.CutPrefix(s, "-")
	end := strings.IndexFunc(body, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(body)
	}
	num, unit := body[:end], strings.TrimLeft(body[end:], " ")
	whole, frac, hasDot := strings.Cut(num, ".")
	if !isDigits(whole) || (hasDot && !isDigits(frac)) {
		return bad("is not an amount (got %q)", s)
	}
	var digits string
	switch unit {
	case "":
		return math.Int{}, &problem{
			text: fmt.Sprintf("has no unit (got %q)", s),
			fix:  `append the unit: "` + num + `ugpu", or "` + num + `gpu" for whole GPUs`,
		}
	case Denom:
		if hasDot {
			return math.Int{}, &problem{
				text: fmt.Sprintf("has a fraction of a ugpu (got %q)", s),
				fix:  `use gpu for fractions, e.g. "2.5gpu", or a whole number of ugpu`,
			}
		}
		digits = whole
	case "gpu":
		if len(frac) > 6 {
			return bad("has more than 6 decimals (got %q); 1 ugpu = 0.000001 gpu", s)
		}
		digits = whole + frac + strings.Repeat("0", 6-len(frac))
	default:
		return bad("has unit %q, not ugpu or gpu (got %q)", unit, s)
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		digits = "0"
	}
	if len(digits) > MaxAmountDigits {
		return bad("is too large (got %q); amounts are below 10^%d ugpu", s, MaxAmountDigits)
	}
	v, _ := new(big.Int).SetString(digits, 10)
	if neg {
		v.Neg(v)
	}
	return math.NewIntFromBigInt(v), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isInteger matches a JSON integer literal: an optional minus, then digits.
func isInteger(s string) bool {
	return isDigits(strings.TrimPrefix(s, "-"))
}

// maxAmount is the first value Validate refuses (10^MaxAmountDigits ugpu).
var maxAmount = math.NewIntFromBigInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(MaxAmountDigits), nil))

// MaxCost is the most the job can be charged: max_price_per_gpu_hour × gpus ×
// max_duration in hours, in integer ugpu rounded up. It is zero for a CPU job
// and for a spec whose price, gpus or max_duration is out of range (Validate
// reports those), so it never overflows math.Int.
func (s *Spec) MaxCost() math.Int {
	price := s.MaxPricePerGPUHour.Int()
	d := s.MaxDuration.Duration()
	if s.Resources.GPUs <= 0 || s.Resources.GPUs > MaxGPUs || d <= 0 || d > MaxDuration ||
		!price.IsPositive() || price.GTE(maxAmount) {
		return math.ZeroInt()
	}
	const nanosPerHour = 3_600_000_000_000
	num := price.Mul(math.NewInt(s.Resources.GPUs)).Mul(math.NewInt(int64(d)))
	return num.AddRaw(nanosPerHour - 1).QuoRaw(nanosPerHour)
}
