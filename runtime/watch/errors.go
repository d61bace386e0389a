package watch

import "errors"

// Sentinels for errors.Is. A rejected Result's Err wraps ErrRejected and,
// where one applies, one of the reasons below or the runtime/safetensors or
// runtime/commit error that caused it.
var (
	// ErrRejected wraps every rejection of a checkpoint file.
	ErrRejected = errors.New("checkpoint rejected")
	// ErrNotRegular: the name is a symlink, FIFO, directory, device or
	// socket, not a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than Config.MaxBytes.
	ErrTooLarge = errors.New("checkpoint too large")
	// ErrModified: the file's modification time changed while it was read
	// (a change of size wraps runtime/commit.ErrSizeChanged instead).
	ErrModified = errors.New("file modified while reading")
	// ErrInvalidConfig wraps every Config.Validate failure.
	ErrInvalidConfig = errors.New("invalid watch config")
)
