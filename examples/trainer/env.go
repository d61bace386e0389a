package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// The job contract's environment (SPEC section 4).
const (
	envJobID           = "GPUNET_JOB_ID"
	envStartStep       = "GPUNET_START_STEP"
	envEndStep         = "GPUNET_END_STEP"
	envCheckpointEvery = "GPUNET_CHECKPOINT_EVERY"
	envResumeFrom      = "GPUNET_RESUME_FROM"
	envCheckpointDir   = "GPUNET_CHECKPOINT_DIR"
	envInputDir        = "GPUNET_INPUT_DIR"
	envSeed            = "GPUNET_SEED"
	// envCheatSegment is this trainer's own test hook, not part of the
	// contract: see the package doc.
	envCheatSegment = "TRAINER_CHEAT_SEGMENT"
	// envStepDelay is this trainer's other test hook: a pause after every
	// step, so that tests and the demo can watch a job that would otherwise
	// finish in milliseconds. It does not change any checkpoint byte.
	envStepDelay = "TRAINER_STEP_DELAY"
)

// maxStepDelay bounds the pause so that a typo cannot stall a job for days.
const maxStepDelay = 10 * time.Second

// maxStep bounds step numbers so that checkpoint names keep 8 digits and
// step*every never overflows.
const maxStep = 99_999_999

// errBadEnv marks an invalid environment or flag; main exits 2 on it.
var errBadEnv = errors.New("bad environment")

// Config is one run of the trainer, parsed from the environment.
type Config struct {
	JobID           string
	StartStep       int64 // first step to run; the state on entry has done StartStep steps
	EndStep         int64 // the state on exit has done EndStep steps
	CheckpointEvery int64
	ResumeFrom      string // checkpoint holding the state after StartStep steps; "" only when StartStep is 0
	CheckpointDir   string
	InputDir        string // unused by this trainer
	Seed            uint64
	// CheatSegment, when >= 0, skips the work of segment CheatSegment,
	// steps [k*every, (k+1)*every), and writes noise instead. -1 is honest.
	CheatSegment int64
	// StepDelay is slept after every step; 0 by default.
	StepDelay time.Duration
}

// envErr names the variable at fault.
func envErr(name, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", errBadEnv, name, fmt.Sprintf(format, args...))
}

// parseConfig reads the contract's variables from env. cheat and delay are
// the --cheat-segment and --step-delay flags ("" when not given); they win
// over envCheatSegment and envStepDelay.
func parseConfig(env map[string]string, cheat, delay string) (Config, error) {
	c := Config{CheatSegment: -1}
	var err error
	if c.JobID = env[envJobID]; c.JobID == "" {
		return c, envErr(envJobID, "is not set")
	}
	if c.StartStep, err = stepVar(env, envStartStep, 0); err != nil {
		return c, err
	}
	if c.EndStep, err = stepVar(env, envEndStep, 1); err != nil {
		return c, err
	}
	if c.EndStep <= c.StartStep {
		return c, envErr(envEndStep, "(%d) must be greater than %s (%d)", c.EndStep, envStartStep, c.StartStep)
	}
	if c.CheckpointEvery, err = stepVar(env, envCheckpointEvery, 1); err != nil {
		return c, err
	}
	c.ResumeFrom = env[envResumeFrom]
	if c.ResumeFrom == "" && c.StartStep != 0 {
		return c, envErr(envResumeFrom, "is empty but %s is %d: a run that does not start at step 0 needs a checkpoint", envStartStep, c.StartStep)
	}
	if c.CheckpointDir = env[envCheckpointDir]; c.CheckpointDir == "" {
		return c, envErr(envCheckpointDir, "is not set")
	}
	if fi, err := os.Stat(c.CheckpointDir); err != nil || !fi.IsDir() {
		return c, envErr(envCheckpointDir, "=%q is not a directory", c.CheckpointDir)
	}
	if c.InputDir = env[envInputDir]; c.InputDir != "" {
		if fi, err := os.Stat(c.InputDir); err != nil || !fi.IsDir() {
			return c, envErr(envInputDir, "=%q is not a directory", c.InputDir)
		}
	}
	s, ok := env[envSeed]
	if !ok || s == "" {
		return c, envErr(envSeed, "is not set")
	}
	if c.Seed, err = strconv.ParseUint(s, 10, 64); err != nil {
		return c, envErr(envSeed, "=%q is not a decimal integer in [0, 2^64)", s)
	}
	name := "--cheat-segment"
	if cheat == "" {
		name, cheat = envCheatSegment, env[envCheatSegment]
	}
	if cheat != "" {
		if c.CheatSegment, err = strconv.ParseInt(cheat, 10, 64); err != nil || c.CheatSegment < 0 || c.CheatSegment > maxStep {
			return c, envErr(name, "=%q is not a segment number in [0, %d]", cheat, maxStep)
		}
	}
	name = "--step-delay"
	if delay == "" {
		name, delay = envStepDelay, env[envStepDelay]
	}
	if delay != "" {
		if c.StepDelay, err = time.ParseDuration(delay); err != nil || c.StepDelay < 0 || c.StepDelay > maxStepDelay {
			return c, envErr(name, "=%q is not a duration in [0, %s], e.g. 20ms", delay, maxStepDelay)
		}
	}
	return c, nil
}

// stepVar parses a required step count in [min, maxStep].
func stepVar(env map[string]string, name string, min int64) (int64, error) {
	s, ok := env[name]
	if !ok || s == "" {
		return 0, envErr(name, "is not set")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > maxStep {
		return 0, envErr(name, "=%q is not an integer in [%d, %d]", s, min, maxStep)
	}
	return n, nil
}
