package jobspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// repoRef is the repository part of an image reference, as the distribution
// reference grammar defines it, optionally with a tag: [host[:port]/]path[:tag].
var repoRef = regexp.MustCompile(`^` +
	`(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$`)

func isDNSLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isIdentifier(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnumByte(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

func isAlnumByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnumByte(s[i]) {
			return false
		}
	}
	return true
}

// checkText refuses invalid UTF-8, which encoding/json would silently
// replace; control characters, whose JSON escaping is not guaranteed stable
// across Go releases (and NUL cannot be in argv); and U+FFFE and U+FFFF, which
// YAML cannot carry, so every canonical spec also parses as YAML. Tab, newline
// and carriage return stay allowed where multi-line scripts are common.
func checkText(r *report, field, s string, multiline bool) {
	if !utf8.ValidString(s) {
		r.add(field, "is not valid UTF-8", fixText)
		return
	}
	for _, c := range s {
		if multiline && (c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0xfffe || c == 0xffff {
			r.add(field, fmt.Sprintf("contains control character %U", c), fixText)
			return
		}
	}
}

// mapKeyField names an env entry: env.NAME, or env["odd name"] when the key
// would not read as one path element.
func mapKeyField(parent, key string) string {
	if isIdentifier(key) {
		return parent + "." + key
	}
	return parent + "[" + strconv.Quote(key) + "]"
}

// normalizeDecimal accepts digits[.digits] with at most MaxToleranceDecimals
// significant decimals and returns it without redundant zeros ("0.0010" is
// "0.001", "1.0" is "1").
func normalizeDecimal(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if !isDigits(whole) || (hasDot && !isDigits(frac)) {
		return "", false
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > MaxToleranceDecimals {
		return "", false
	}
	if frac == "" {
		return whole, true
	}
	return whole + "." + frac, true
}
