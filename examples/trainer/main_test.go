package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpunet/gpunet/runtime/safetensors"
)

const testSeed = "42"

// jobEnv is a valid environment for steps [start, end) into dir.
func jobEnv(dir string, start, end int, resume string) map[string]string {
	return map[string]string{
		envJobID:           "test-job",
		envStartStep:       strconv.Itoa(start),
		envEndStep:         strconv.Itoa(end),
		envCheckpointEvery: "50",
		envResumeFrom:      resume,
		envCheckpointDir:   dir,
		envInputDir:        "",
		envSeed:            testSeed,
	}
}

// mustRun runs the trainer and returns its stdout.
func mustRun(t *testing.T, args []string, env map[string]string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(args, env, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	return out.String()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullRun is the uninterrupted run 0 -> 200, shared by the tests.
func fullRun(t *testing.T) (dir, stdout string) {
	t.Helper()
	dir = t.TempDir()
	return dir, mustRun(t, nil, jobEnv(dir, 0, 200, ""))
}

func TestFullRunWritesValidCheckpoints(t *testing.T) {
	dir, _ := fullRun(t)
	var names []string
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		names = append(names, e.Name()) // also catches leftover temp files
	}
	want := []string{"step-00000050.safetensors", "step-00000100.safetensors", "step-00000150.safetensors", "step-00000200.safetensors"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("checkpoint dir holds %v, want %v", names, want)
	}
	for i, n := range want {
		f, err := safetensors.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if len(f.Header().Tensors) != 10 {
			t.Errorf("%s: %d tensors, want 10", n, len(f.Header().Tensors))
		}
		f.Close()
		s, err := loadCheckpoint(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if s.Step != int64(50*(i+1)) || s.Seed != 42 {
			t.Errorf("%s: step %d seed %d", n, s.Step, s.Seed)
		}
	}
}

func TestResumeIsByteIdentical(t *testing.T) {
	full, _ := fullRun(t)
	dir := t.TempDir()
	mustRun(t, nil, jobEnv(dir, 0, 100, ""))
	mustRun(t, nil, jobEnv(dir, 100, 200, filepath.Join(dir, "step-00000100.safetensors")))
	for _, n := range []string{"step-00000150.safetensors", "step-00000200.safetensors"} {
		if !bytes.Equal(readFile(t, filepath.Join(full, n)), readFile(t, filepath.Join(dir, n))) {
			t.Errorf("%s differs between the resumed and the uninterrupted run", n)
		}
	}
}

func TestSegmentReplay(t *testing.T) {
	full, _ := fullRun(t)
	dir := t.TempDir()
	mustRun(t, nil, jobEnv(dir, 50, 100, filepath.Join(full, "step-00000050.safetensors")))
	if !bytes.Equal(readFile(t, filepath.Join(full, "step-00000100.safetensors")), readFile(t, filepath.Join(dir, "step-00000100.safetensors"))) {
		t.Fatal("replaying [50,100) from checkpoint 50 did not reproduce checkpoint 100")
	}
	if _, err := os.Stat(filepath.Join(dir, "step-00000050.safetensors")); err == nil {
		t.Error("a segment run rewrote its starting checkpoint")
	}
}

func TestLossDecreases(t *testing.T) {
	_, out := fullRun(t)
	var losses []float64
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var line struct {
			Step *int64   `json:"step"`
			Loss *float64 `json:"loss"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Step == nil || line.Loss == nil {
			t.Fatalf("bad progress line %q: %v", sc.Text(), err)
		}
		losses = append(losses, *line.Loss)
	}
	if len(losses) != 20 {
		t.Fatalf("%d progress lines, want 20", len(losses))
	}
	first, last := losses[0], losses[len(losses)-1]
	if !(last < first/10) {
		t.Errorf("loss went from %g to %g, want a tenfold drop", first, last)
	}
}

func TestCheatSegment(t *testing.T) {
	honest, _ := fullRun(t)
	for _, how := range []string{"flag", "env"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			env, args := jobEnv(dir, 0, 200, ""), []string{"--cheat-segment=1"}
			if how == "env" {
				env[envCheatSegment], args = "1", nil
			}
			mustRun(t, args, env)
			// Up to the segment, the cheat is the honest run.
			n50 := "step-00000050.safetensors"
			if !bytes.Equal(readFile(t, filepath.Join(honest, n50)), readFile(t, filepath.Join(dir, n50))) {
				t.Error("checkpoint 50, before the cheated segment, differs")
			}
			// Replaying each segment from the cheat's own checkpoints exposes
			// segment 1, [50,100), and only it.
			for seg, start := range []int{0, 50, 100, 150} {
				replay := t.TempDir()
				resume := ""
				if start > 0 {
					resume = filepath.Join(dir, checkpointName(int64(start)))
				}
				mustRun(t, nil, jobEnv(replay, start, start+50, resume))
				end := checkpointName(int64(start + 50))
				same := bytes.Equal(readFile(t, filepath.Join(dir, end)), readFile(t, filepath.Join(replay, end)))
				if same != (seg != 1) {
					t.Errorf("segment %d: replay matches the cheat's checkpoint: %v, want %v", seg, same, seg != 1)
				}
			}
			// The forged checkpoint is still a well-formed one.
			s, err := loadCheckpoint(filepath.Join(dir, "step-00000100.safetensors"))
			if err != nil || s.Step != 100 {
				t.Fatalf("forged checkpoint: step %v, %v", s, err)
			}
		})
	}
}

func TestBadEnvNamesVariable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, key, value string // value "-" deletes key
		want             string
	}{
		{"no job id", envJobID, "-", envJobID},
		{"no start", envStartStep, "-", envStartStep},
		{"negative start", envStartStep, "-1", envStartStep},
		{"bad end", envEndStep, "ten", envEndStep},
		{"end not after start", envEndStep, "0", envEndStep},
		{"zero every", envCheckpointEvery, "0", envCheckpointEvery},
		{"no dir", envCheckpointDir, "-", envCheckpointDir},
		{"dir missing", envCheckpointDir, filepath.Join(dir, "nope"), envCheckpointDir},
		{"input not a dir", envInputDir, filepath.Join(dir, "nope"), envInputDir},
		{"no seed", envSeed, "-", envSeed},
		{"bad seed", envSeed, "-3", envSeed},
		{"resume missing", envResumeFrom, filepath.Join(dir, "nope.safetensors"), envResumeFrom},
		{"bad cheat", envCheatSegment, "x", envCheatSegment},
		{"bad delay", envStepDelay, "fast", envStepDelay},
		{"negative delay", envStepDelay, "-1ms", envStepDelay},
		{"delay too long", envStepDelay, "11s", envStepDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := jobEnv(dir, 0, 100, "")
			if tt.value == "-" {
				delete(env, tt.key)
			} else {
				env[tt.key] = tt.value
			}
			err := run(nil, env, new(bytes.Buffer))
			if !errors.Is(err, errBadEnv) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want errBadEnv naming %s", err, tt.want)
			}
		})
	}
	t.Run("start without resume", func(t *testing.T) {
		err := run(nil, jobEnv(dir, 50, 100, ""), new(bytes.Buffer))
		if !errors.Is(err, errBadEnv) || !strings.Contains(err.Error(), envResumeFrom) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("resume at wrong step", func(t *testing.T) {
		src := t.TempDir()
		mustRun(t, nil, jobEnv(src, 0, 50, ""))
		err := run(nil, jobEnv(dir, 100, 150, filepath.Join(src, "step-00000050.safetensors")), new(bytes.Buffer))
		if !errors.Is(err, errBadEnv) || !strings.Contains(err.Error(), envResumeFrom) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad flag", func(t *testing.T) {
		err := run([]string{"--cheat-segment=-1"}, jobEnv(dir, 0, 100, ""), new(bytes.Buffer))
		if !errors.Is(err, errBadEnv) || !strings.Contains(err.Error(), "--cheat-segment") {
			t.Fatalf("err = %v", err)
		}
	})
}

// The step delay is a pause only: the checkpoints it writes are the bytes
// of an undelayed run.
func TestStepDelayChangesNoByte(t *testing.T) {
	plain, slow := t.TempDir(), t.TempDir()
	mustRun(t, nil, jobEnv(plain, 0, 60, ""))
	env := jobEnv(slow, 0, 60, "")
	env[envStepDelay] = "1ms"
	mustRun(t, []string{"--step-delay=2ms"}, env)
	for _, name := range []string{"step-00000050.safetensors", "step-00000060.safetensors"} {
		a, err := os.ReadFile(filepath.Join(plain, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(slow, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("%s differs with a step delay", name)
		}
	}
}

func TestCheckpointAtEndStep(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, nil, jobEnv(dir, 0, 120, ""))
	mustRun(t, nil, jobEnv(dir, 120, 130, filepath.Join(dir, "step-00000120.safetensors")))
	for _, n := range []string{"step-00000050.safetensors", "step-00000100.safetensors", "step-00000120.safetensors", "step-00000130.safetensors"} {
		if _, err := loadCheckpoint(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	// A run that stopped off a multiple still continues the same trajectory.
	mustRun(t, nil, jobEnv(dir, 130, 150, filepath.Join(dir, "step-00000130.safetensors")))
	full, _ := fullRun(t)
	n := "step-00000150.safetensors"
	if !bytes.Equal(readFile(t, filepath.Join(full, n)), readFile(t, filepath.Join(dir, n))) {
		t.Errorf("%s differs after stopping at 120 and 130", n)
	}
}
