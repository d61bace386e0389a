package runtime

import (
	"errors"
	"slices"
	"testing"
)

func TestContractEnv(t *testing.T) {
	c := Contract{StartStep: 100, EndStep: 200, CheckpointEvery: 50, ResumeFrom: "/gpunet/checkpoints/step-00000100.safetensors", Seed: 7}
	env := ContractEnv("job-1", c, 4, true)
	want := map[string]string{
		"GPUNET_JOB_ID": "job-1", "GPUNET_START_STEP": "100", "GPUNET_END_STEP": "200",
		"GPUNET_CHECKPOINT_EVERY": "50", "GPUNET_RESUME_FROM": c.ResumeFrom,
		"GPUNET_CHECKPOINT_DIR": ContainerCheckpointDir, "GPUNET_INPUT_DIR": ContainerInputDir,
		"GPUNET_SEED": "7", "OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "4", "GOMAXPROCS": "4",
	}
	if len(env) != len(want) {
		t.Fatalf("env has %d vars, want %d: %v", len(env), len(want), env)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if got := ContractEnv("j", c, 1, false)["GPUNET_INPUT_DIR"]; got != "" {
		t.Errorf("GPUNET_INPUT_DIR without inputs = %q, want empty", got)
	}
}

func TestTaskEnvContractWins(t *testing.T) {
	cfg := TaskConfig{JobID: "j", CPUs: 2, Env: map[string]string{"GOMAXPROCS": "64", "FOO": "bar"}}
	env := cfg.TaskEnv()
	if !slices.Contains(env, "GOMAXPROCS=2") || !slices.Contains(env, "FOO=bar") || slices.Contains(env, "GOMAXPROCS=64") {
		t.Fatalf("TaskEnv = %v", env)
	}
	if !slices.IsSorted(env) {
		t.Fatalf("TaskEnv not sorted: %v", env)
	}
}

func TestTaskConfigValidate(t *testing.T) {
	ok := TaskConfig{JobID: "j", Image: "sha256:ab", CPUs: 1, MemoryMiB: 64, CheckpointDir: "/ckpt"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	bad := []func(*TaskConfig){
		func(c *TaskConfig) { c.JobID = "" },
		func(c *TaskConfig) { c.Image = "" },
		func(c *TaskConfig) { c.CPUs = 0 },
		func(c *TaskConfig) { c.MemoryMiB = 0 },
		func(c *TaskConfig) { c.CheckpointDir = "rel" },
		func(c *TaskConfig) { c.InputDir = "rel" },
		func(c *TaskConfig) { c.Contract.EndStep = -1 },
	}
	for i, mod := range bad {
		c := ok
		mod(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("case %d: err = %v, want ErrInvalidConfig", i, err)
		}
	}
}
