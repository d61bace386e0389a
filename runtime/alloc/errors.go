package alloc

import "errors"

var (
	// ErrInsufficient means fewer GPUs are free than a job asked for.
	ErrInsufficient = errors.New("not enough free GPUs")
	// ErrInvalid wraps bad input: an empty job ID, a negative GPU count, a
	// GPU list with a duplicate or empty UUID, a job asking for a count other
	// than the one it holds, or persisted allocations that contradict
	// themselves.
	ErrInvalid = errors.New("invalid allocation")
)
