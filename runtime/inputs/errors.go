package inputs

import "errors"

var (
	// ErrHashMismatch: the bytes fetched for an input do not have the
	// SHA-256 the spec names.
	ErrHashMismatch = errors.New("sha256 mismatch")
	// ErrRefused: the input breaks the provider's policy: a scheme it does
	// not fetch, an address on a private network, or a file outside
	// Config.FileRoots.
	ErrRefused = errors.New("refused by input policy")
	// ErrTooLarge: the inputs exceed the job's disk budget (resources.disk_mib).
	ErrTooLarge = errors.New("inputs exceed the disk budget")
	// ErrInvalidConfig wraps every Config validation failure.
	ErrInvalidConfig = errors.New("invalid input fetcher config")
)
