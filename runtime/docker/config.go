package docker

import (
	"fmt"
	"strconv"
	"strings"

	gprt "github.com/gpunet/gpunet/runtime"
)

// DefaultUser is the uid:gid tasks run as when the task names none
// (the "nonroot" user of distroless images).
const DefaultUser = "65532:65532"

// Config configures the docker driver.
type Config struct {
	// Runtime is the OCI runtime passed to the engine ("" = engine default, e.g. "runsc").
	Runtime string
	// DefaultUser is used when a task names no user.
	DefaultUser string
	// TmpfsSizeMiB bounds the /tmp tmpfs.
	TmpfsSizeMiB int
	// DefaultPidsLimit is used when a task sets none.
	DefaultPidsLimit int64
	// Init runs the engine's init (docker-init) as PID 1 in each container,
	// so signals reach the job and it is told apart from a job failure.
	Init bool
}

// DefaultConfig returns the driver's defaults.
func DefaultConfig() Config {
	return Config{DefaultUser: DefaultUser, TmpfsSizeMiB: 256, DefaultPidsLimit: 1024, Init: true}
}

// Validate checks the driver config.
func (c Config) Validate() error {
	if _, err := parseUser(c.DefaultUser); err != nil {
		return fmt.Errorf("validate docker config: default user: %w", err)
	}
	if c.TmpfsSizeMiB <= 0 {
		return fmt.Errorf("validate docker config: %w: tmpfs size must be > 0", gprt.ErrInvalidConfig)
	}
	if c.DefaultPidsLimit <= 0 {
		return fmt.Errorf("validate docker config: %w: default pids limit must be > 0", gprt.ErrInvalidConfig)
	}
	return nil
}

// parseUser accepts only numeric "uid:gid" (or "uid") with uid and gid != 0.
func parseUser(u string) (string, error) {
	uid, gid, hasGID := strings.Cut(u, ":")
	if !hasGID {
		gid = uid
	}
	for _, part := range []struct{ name, v string }{{"uid", uid}, {"gid", gid}} {
		n, err := strconv.ParseUint(part.v, 10, 32)
		if err != nil {
			return "", fmt.Errorf("%w: user %q: %s must be numeric", gprt.ErrSandbox, u, part.name)
		}
		if n == 0 {
			return "", fmt.Errorf("%w: user %q: %s 0 (root) is not allowed", gprt.ErrSandbox, u, part.name)
		}
	}
	return uid + ":" + gid, nil
}
