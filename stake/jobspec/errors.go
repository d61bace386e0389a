package jobspec

import "errors"

var (
	// ErrTooLarge: the spec, as given or as canonical JSON, exceeds MaxSpecBytes.
	ErrTooLarge = errors.New("job spec too large")
	// ErrNotCanonical: ParseCanonical got a valid spec in a different encoding
	// than Canonical produces.
	ErrNotCanonical = errors.New("job spec is not canonical JSON")
	// ErrInvalid: the spec cannot be decoded or breaks a rule. Every
	// *FieldError matches it with errors.Is.
	ErrInvalid = errors.New("invalid job spec")
)

// FieldError is one broken rule. Field is a dotted path such as
// "resources.gpus", "inputs[2].sha256" or "env.GPUNET_SEED".
type FieldError struct {
	Field   string
	Problem string
	Fix     string
}

func (e *FieldError) Error() string {
	return "job spec: " + e.Field + ": " + e.Problem + "; " + e.Fix
}

// Is lets callers tell a rule violation from other failures without listing
// every rule.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// problem is a parse failure that a value keeps until Validate can report it
// with the field's path.
type problem struct {
	text string
	fix  string
}
