package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gprt "github.com/gpunet/gpunet/runtime"
)

// Config configures the exec driver.
type Config struct {
	// StateDir holds the task logs; an absolute path, created if missing.
	StateDir string
}

// DefaultConfig returns the driver's defaults.
func DefaultConfig() Config {
	return Config{StateDir: filepath.Join(os.TempDir(), "gpunet-exec")}
}

// Validate checks the driver config.
func (c Config) Validate() error {
	if c.StateDir == "" || !filepath.IsAbs(c.StateDir) {
		return fmt.Errorf("validate exec config: %w: state dir must be an absolute path", gprt.ErrInvalidConfig)
	}
	return nil
}

// checkImage accepts only the absolute path of an executable regular file.
func checkImage(image string) error {
	if strings.Contains(image, "sha256:") || !filepath.IsAbs(image) {
		return fmt.Errorf("%w: image %q looks like a docker image reference; the exec driver runs a host executable by absolute path, use the docker driver for images", gprt.ErrInvalidConfig, image)
	}
	fi, err := os.Stat(image)
	if err != nil {
		return fmt.Errorf("%w: executable %q: %v", gprt.ErrInvalidConfig, image, err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%w: %q is not an executable file", gprt.ErrInvalidConfig, image)
	}
	return nil
}

// checkRequests refuses every sandbox escape, as the docker driver does.
func checkRequests(r gprt.SandboxRequests) error {
	var v []string
	if r.Privileged {
		v = append(v, "privileged mode")
	}
	if len(r.CapAdd) > 0 {
		v = append(v, fmt.Sprintf("extra capabilities %v", r.CapAdd))
	}
	if r.NetworkMode != "" && r.NetworkMode != "none" {
		v = append(v, fmt.Sprintf("network mode %q (only none)", r.NetworkMode))
	}
	if r.PIDMode != "" {
		v = append(v, fmt.Sprintf("pid namespace %q", r.PIDMode))
	}
	if r.IPCMode != "" && r.IPCMode != "private" {
		v = append(v, fmt.Sprintf("ipc namespace %q", r.IPCMode))
	}
	if len(r.Devices) > 0 {
		v = append(v, fmt.Sprintf("host devices %v", r.Devices))
	}
	if len(r.HostMounts) > 0 {
		v = append(v, fmt.Sprintf("host mounts %v", r.HostMounts))
	}
	if len(v) > 0 {
		return fmt.Errorf("%w: %s", gprt.ErrSandbox, strings.Join(v, "; "))
	}
	return nil
}

// processEnv is the task's environment: TaskEnv with the contract paths
// replaced by host paths, CUDA_VISIBLE_DEVICES, and the daemon's PATH.
func processEnv(cfg gprt.TaskConfig) []string {
	over := map[string]string{
		"GPUNET_CHECKPOINT_DIR": cfg.CheckpointDir,
		"GPUNET_INPUT_DIR":      cfg.InputDir,
		"CUDA_VISIBLE_DEVICES":  strings.Join(cfg.GPUUUIDs, ","),
	}
	if rest, ok := strings.CutPrefix(cfg.Contract.ResumeFrom, gprt.ContainerCheckpointDir+"/"); ok {
		over["GPUNET_RESUME_FROM"] = filepath.Join(cfg.CheckpointDir, rest)
	}
	hasPath := false
	var env []string
	for _, kv := range cfg.TaskEnv() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := over[k]; ok {
			continue
		}
		hasPath = hasPath || k == "PATH"
		env = append(env, kv)
	}
	for k, v := range over {
		env = append(env, k+"="+v)
	}
	if !hasPath {
		env = append(env, "PATH="+os.Getenv("PATH"))
	}
	return env
}
