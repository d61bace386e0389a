package runner

import "errors"

var (
	// ErrInvalidJob wraps every Job validation failure.
	ErrInvalidJob = errors.New("invalid job")
	// ErrFailed is returned when the job's task ended without its final
	// checkpoint.
	ErrFailed = errors.New("job failed")
	// ErrFinished is returned by Resume for a run that already ended.
	ErrFinished = errors.New("run already finished")
	// ErrNoRun is returned by Resume when the store has no run for the job.
	ErrNoRun = errors.New("no such run")
)
