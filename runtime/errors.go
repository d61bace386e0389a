package runtime

import "errors"

var (
	// ErrInvalidConfig wraps every TaskConfig validation failure.
	ErrInvalidConfig = errors.New("invalid task config")
	// ErrSandbox is returned when a config asks for more than the sandbox allows
	// (privileges, host namespaces, host mounts, devices, root user).
	ErrSandbox = errors.New("refused by sandbox policy")
	// ErrTaskNotFound is returned when a driver does not know a task ID.
	ErrTaskNotFound = errors.New("task not found")
	// ErrHandleVersion is returned by Recover for a handle of an unknown version.
	ErrHandleVersion = errors.New("unsupported task handle version")
)
