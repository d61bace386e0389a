// Command trainer is gpunet's reference training job: a small but real
// training run that follows the job contract of SPEC section 4, used by the
// demo, the CPU job spec examples/jobs/trainer-cpu.yaml and the runtime and
// verification tests.
//
// It trains a one-hidden-layer MLP (8-16-1, ReLU) with SGD and momentum on
// synthetic regression data labelled by a random teacher network. Every
// random draw comes from math/rand/v2's PCG: the batch of step s from
// PCG(GPUNET_SEED, s), so the data of any segment is known without running
// the steps before it, and a checkpoint (parameters, momentum, step, seed)
// is the whole state. The arithmetic is float32 in a fixed order on one
// goroutine, with no fused multiply-adds and no transcendental functions,
// so the job is bit-for-bit deterministic ("exact" verification mode):
// resuming from checkpoint a and running to b writes the same bytes as the
// uninterrupted run. It is single-threaded by design; GOMAXPROCS does not
// change its results.
//
// Usage (all input comes from the environment):
//
//	trainer [--cheat-segment=K] [--step-delay=D]
//
// It writes step-<8 digits>.safetensors to GPUNET_CHECKPOINT_DIR at every
// multiple of GPUNET_CHECKPOINT_EVERY in (START_STEP, END_STEP] and at
// END_STEP, and prints {"step":N,"loss":x} lines on stdout: N steps are
// done and x is the loss of the last batch. It exits 2 on a bad environment
// or flag, 1 on any other failure.
//
// --cheat-segment=K (or TRAINER_CHEAT_SEGMENT=K) makes it a
// dishonest provider for tests of verification: it skips the steps of
// segment K, [K*every, (K+1)*every), and writes at the end of it the
// parameters from its start perturbed by small seeded noise, then carries on
// honestly from that forged state. Only segment K fails a replay. It is off
// by default; never set it in a real job.
//
// --step-delay=D (or TRAINER_STEP_DELAY=D, a Go duration up to 10s)
// sleeps D after every step, so that tests and the demo can watch, stop and
// resume a job that would otherwise end in milliseconds. It changes no
// checkpoint byte.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// logEvery is how often (in steps) progress is printed besides checkpoints.
const logEvery = 10

func main() {
	env := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if err := run(os.Args[1:], env, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "trainer:", err)
		if errors.Is(err, errBadEnv) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is the whole job: parse args and env, load or create the state, train
// and checkpoint. It writes progress to stdout.
func run(args []string, env map[string]string, stdout io.Writer) error {
	fs := flag.NewFlagSet("trainer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cheatFlag := fs.String("cheat-segment", "", "skip segment `K` and write noise (verification tests only)")
	delayFlag := fs.String("step-delay", "", "sleep `D` after every step (tests and demos only)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errBadEnv, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errBadEnv, fs.Args())
	}
	cfg, err := parseConfig(env, *cheatFlag, *delayFlag)
	if err != nil {
		return err
	}

	s := newState(cfg.Seed)
	if cfg.ResumeFrom != "" {
		if s, err = loadCheckpoint(cfg.ResumeFrom); err != nil {
			return fmt.Errorf("%w: %s: %w", errBadEnv, envResumeFrom, err)
		}
		if s.Step != cfg.StartStep {
			return fmt.Errorf("%w: %s holds step %d but %s is %d", errBadEnv, envResumeFrom, s.Step, envStartStep, cfg.StartStep)
		}
		if s.Seed != cfg.Seed {
			return fmt.Errorf("%w: %s was made with seed %d but %s is %d", errBadEnv, envResumeFrom, s.Seed, envSeed, cfg.Seed)
		}
	}

	t := newTeacher(cfg.Seed)
	var loss float32
	for s.Step < cfg.EndStep {
		if seg := s.Step / cfg.CheckpointEvery; seg == cfg.CheatSegment && s.Step%cfg.CheckpointEvery == 0 {
			cheat(s, seg, min((seg+1)*cfg.CheckpointEvery, cfg.EndStep))
			// loss keeps the last real value: a plausible progress line.
		} else {
			loss = trainStep(s, t)
			if loss != loss || loss > 1e30 {
				return fmt.Errorf("step %d: loss %v: training diverged", s.Step, loss)
			}
		}
		ckpt := s.Step%cfg.CheckpointEvery == 0 || s.Step == cfg.EndStep
		if ckpt {
			if _, err := saveCheckpoint(cfg.CheckpointDir, s); err != nil {
				return err
			}
		}
		if ckpt || s.Step%logEvery == 0 {
			fmt.Fprintf(stdout, "{\"step\":%d,\"loss\":%s}\n", s.Step, strconv.FormatFloat(float64(loss), 'g', -1, 32))
		}
		if cfg.StepDelay > 0 {
			time.Sleep(cfg.StepDelay)
		}
	}
	return nil
}
