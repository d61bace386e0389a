package runtime

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Contract paths inside the task (SPEC section 4).
const (
	ContainerCheckpointDir = "/gpunet/checkpoints"
	ContainerInputDir      = "/gpunet/inputs"
)

// TaskConfig is one segment of one job, as a driver runs it.
type TaskConfig struct {
	JobID   string
	Segment string // segment index or "full"; used in labels only
	Image   string // image reference (pinned digest or local image ID)
	// Command replaces the image's entrypoint (as a Kubernetes command
	// does); empty runs the image's own.
	Command []string
	// Env is the job's own environment; ContractEnv is added on top and wins.
	Env map[string]string
	// GPUUUIDs are the allocated GPUs; empty for a CPU job.
	GPUUUIDs  []string
	CPUs      int
	MemoryMiB int64
	PidsLimit int64
	// CheckpointDir is the host directory mounted read-write at ContainerCheckpointDir.
	CheckpointDir string
	// InputDir is the host directory mounted read-only at ContainerInputDir; optional.
	InputDir string
	// User is "uid:gid"; empty means the driver's non-root default.
	User   string
	Labels map[string]string
	// Owner names the runner that started the task (drivers record it: the
	// docker label gpunet.owner), so that one runner finds only its own
	// tasks when several share an engine. Empty means no owner.
	Owner string
	// Contract fills the job-contract env vars.
	Contract Contract
	// Requests are sandbox escapes a spec may ask for. Drivers that sandbox
	// refuse every one of them; they exist so that such a request is refused
	// with a clear error instead of being silently dropped.
	Requests SandboxRequests
}

// SandboxRequests lists what a job may ask for beyond the sandbox.
type SandboxRequests struct {
	Privileged  bool
	NetworkMode string // "host", "bridge", ...
	PIDMode     string // "host"
	IPCMode     string // "host"
	CapAdd      []string
	Devices     []string // host device paths
	HostMounts  []string // host paths
}

// Contract holds the job-contract values a task receives.
type Contract struct {
	StartStep       int64
	EndStep         int64
	CheckpointEvery int64
	ResumeFrom      string // path inside the task, or empty
	Seed            uint64
}

// Validate checks the fields every driver needs.
func (c TaskConfig) Validate() error {
	var errs []string
	if c.JobID == "" {
		errs = append(errs, "job ID is empty")
	}
	if c.Image == "" {
		errs = append(errs, "image is empty")
	}
	if c.CPUs <= 0 {
		errs = append(errs, "cpus must be > 0")
	}
	if c.MemoryMiB <= 0 {
		errs = append(errs, "memory_mib must be > 0")
	}
	if c.PidsLimit < 0 {
		errs = append(errs, "pids limit must be >= 0")
	}
	if c.CheckpointDir == "" || !filepath.IsAbs(c.CheckpointDir) {
		errs = append(errs, "checkpoint dir must be an absolute host path")
	}
	if c.InputDir != "" && !filepath.IsAbs(c.InputDir) {
		errs = append(errs, "input dir must be an absolute host path")
	}
	if c.Contract.EndStep < c.Contract.StartStep {
		errs = append(errs, "end step before start step")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(errs, "; "))
	}
	return nil
}

// ContractEnv builds the job-contract environment (SPEC section 4): the
// GPUNET_* variables and the thread counts pinned to cpus.
func ContractEnv(jobID string, c Contract, cpus int, hasInputs bool) map[string]string {
	threads := fmt.Sprint(cpus)
	env := map[string]string{
		"GPUNET_JOB_ID":           jobID,
		"GPUNET_START_STEP":       fmt.Sprint(c.StartStep),
		"GPUNET_END_STEP":         fmt.Sprint(c.EndStep),
		"GPUNET_CHECKPOINT_EVERY": fmt.Sprint(c.CheckpointEvery),
		"GPUNET_RESUME_FROM":      c.ResumeFrom,
		"GPUNET_CHECKPOINT_DIR":   ContainerCheckpointDir,
		"GPUNET_INPUT_DIR":        "",
		"GPUNET_SEED":             fmt.Sprint(c.Seed),
		"OMP_NUM_THREADS":         threads,
		"MKL_NUM_THREADS":         threads,
		"GOMAXPROCS":              threads,
	}
	if hasInputs {
		env["GPUNET_INPUT_DIR"] = ContainerInputDir
	}
	return env
}

// TaskEnv merges the job's env with the contract env (contract wins) as a
// sorted KEY=VALUE list.
func (c TaskConfig) TaskEnv() []string {
	merged := make(map[string]string, len(c.Env)+11)
	for k, v := range c.Env {
		merged[k] = v
	}
	for k, v := range ContractEnv(c.JobID, c.Contract, c.CPUs, c.InputDir != "") {
		merged[k] = v
	}
	out := make([]string, 0, len(merged))
	for k, v := range merged {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}
