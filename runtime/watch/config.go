package watch

import (
	"fmt"
	"path/filepath"
	"time"
)

// DefaultPollInterval is the rescan period when Config.PollInterval is 0.
const DefaultPollInterval = 2 * time.Second

// Config says which directory to watch and how.
type Config struct {
	// Dir is the job's checkpoint directory on the host, absolute.
	Dir string
	// MaxBytes is the largest accepted checkpoint; 0 means unbounded.
	MaxBytes int64
	// Workers is the number of hashing goroutines per file; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// PollInterval is the fallback rescan period, DefaultPollInterval when
	// 0: fsnotify may miss events (a full queue, overlay and bind mounts).
	PollInterval time.Duration
}

// DefaultConfig returns a Config with the defaults filled in; the caller
// sets Dir.
func DefaultConfig() Config { return Config{PollInterval: DefaultPollInterval} }

// Validate checks the config; every failure wraps ErrInvalidConfig.
func (c Config) Validate() error {
	switch {
	case c.Dir == "" || !filepath.IsAbs(c.Dir):
		return fmt.Errorf("%w: dir %q is not an absolute path", ErrInvalidConfig, c.Dir)
	case c.MaxBytes < 0:
		return fmt.Errorf("%w: max bytes %d is negative", ErrInvalidConfig, c.MaxBytes)
	case c.Workers < 0:
		return fmt.Errorf("%w: workers %d is negative", ErrInvalidConfig, c.Workers)
	case c.PollInterval < 0:
		return fmt.Errorf("%w: poll interval %v is negative", ErrInvalidConfig, c.PollInterval)
	}
	return nil
}
