package jobspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"
)

func validYAML(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func validSpec(t testing.TB) *Spec {
	t.Helper()
	s, err := ParseYAML(validYAML(t))
	if err != nil {
		t.Fatalf("testdata/valid.yaml: %v", err)
	}
	return s
}

// edit replaces old with new in the valid example, failing if old is absent
// so a changed example cannot silently turn a row into a no-op.
func edit(t testing.TB, old, new string) []byte {
	t.Helper()
	b := validYAML(t)
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("testdata/valid.yaml has no %q", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

func fieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		var fe *FieldError
		if errors.As(err, &fe) && err == error(fe) {
			out = append(out, fe)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// requireFieldError asserts err names field with a problem containing want
// and a fix, and that every field error it carries has a fix.
func requireFieldError(t *testing.T, err error, field, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s: %s", field, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error does not match ErrInvalid: %v", err)
	}
	var first *FieldError
	if !errors.As(err, &first) {
		t.Fatalf("errors.As found no *FieldError in %v", err)
	}
	found := false
	for _, fe := range fieldErrors(err) {
		if fe.Fix == "" {
			t.Errorf("%s has no fix: %v", fe.Field, fe)
		}
		if !strings.HasPrefix(fe.Error(), "job spec: "+fe.Field+": ") {
			t.Errorf("message does not lead with the field: %q", fe.Error())
		}
		if fe.Field == field && strings.Contains(fe.Problem, want) {
			found = true
		}
	}
	if !found {
		t.Fatalf("want a field error on %s containing %q; got:\n%v", field, want, err)
	}
}

func TestValidExample(t *testing.T) {
	s := validSpec(t)
	if s.Resources.GPUs != 2 || s.Steps != 10000 || s.Segments() != 20 {
		t.Fatalf("decoded wrong: %+v", s)
	}
	if got := s.Inputs[0].Name; got != "cifar-10-python.tar.gz" {
		t.Errorf("input name not derived from the URI: %q", got)
	}
	if got := s.MaxPricePerGPUHour.String(); got != "2500000ugpu" {
		t.Errorf("price = %s", got)
	}
	if got := s.MaxCost(); !got.Equal(math.NewInt(120_000_000)) {
		t.Errorf("MaxCost = %s, want 120gpu", got)
	}
	if got := s.Verification.ToleranceDec().String(); got != "0.001000000000000000" {
		t.Errorf("ToleranceDec = %s", got)
	}
	c1, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := ParseCanonical(c1)
	if err != nil {
		t.Fatalf("ParseCanonical(Canonical): %v\n%s", err, c1)
	}
	c2, err := s2.Canonical()
	if err != nil || !bytes.Equal(c1, c2) {
		t.Fatalf("not a fixed point (%v):\n%s\n%s", err, c1, c2)
	}
	s3, err := ParseYAML(c1)
	if err != nil {
		t.Fatalf("ParseYAML(canonical JSON): %v", err)
	}
	if c3, _ := s3.Canonical(); !bytes.Equal(c1, c3) {
		t.Fatalf("YAML of canonical JSON differs:\n%s\n%s", c1, c3)
	}
}

func TestFieldErrorMessage(t *testing.T) {
	s := validSpec(t)
	s.Resources.GPUs = -1
	err := s.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("no FieldError in %v", err)
	}
	want := "job spec: resources.gpus: must not be negative (got -1); set it to 0 for a CPU job or to the number of whole GPUs"
	if fe.Error() != want {
		t.Fatalf("got  %q\nwant %q", fe.Error(), want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatal("FieldError is not ErrInvalid")
	}
}

func TestValidateReportsAllInFieldOrder(t *testing.T) {
	s := validSpec(t)
	s.Name = ""
	s.Resources.CPUs = 0
	s.Steps = 0
	s.Deposit = Amount{}
	var got []string
	for _, fe := range fieldErrors(s.Validate()) {
		got = append(got, fe.Field)
	}
	want := []string{"name", "resources.cpus", "steps", "deposit"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func hex64(c byte) string { return strings.Repeat(string(c), 64) }

// TestRules has one row per Validate rule, each a change to the valid spec.
func TestRules(t *testing.T) {
	amount := func(s string) Amount {
		a, err := ParseAmount(s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cpuJob := func(s *Spec) {
		s.Resources.GPUs, s.Resources.GPUMemoryMiB, s.Resources.GPUModels = 0, 0, nil
	}
	rows := []struct {
		name   string
		mutate func(*Spec)
		field  string
		want   string
	}{
		{"name required", func(s *Spec) { s.Name = "" }, "name", "is required"},
		{"name too long", func(s *Spec) { s.Name = strings.Repeat("a", 64) }, "name", "the limit is 63"},
		{"name not a label", func(s *Spec) { s.Name = "My_Job" }, "name", "not a DNS label"},
		{"name trailing dash", func(s *Spec) { s.Name = "job-" }, "name", "not a DNS label"},
		{"image required", func(s *Spec) { s.Image = "" }, "image", "is required"},
		{"image tag", func(s *Spec) { s.Image = "pytorch/pytorch:latest" }, "image", "not pinned by digest"},
		{"image bare", func(s *Spec) { s.Image = "trainer" }, "image", "not pinned by digest"},
		{"image short id", func(s *Spec) { s.Image = "sha256:4a8c9f0d2e1b" }, "image", "not a full image ID"},
		{"image uppercase digest", func(s *Spec) { s.Image = "trainer@sha256:" + hex64('A') }, "image", "lowercase hex"},
		{"image md5 digest", func(s *Spec) { s.Image = "trainer@md5:" + hex64('a')[:32] }, "image", "has digest"},
		{"image bad repo", func(s *Spec) { s.Image = "Trainer@sha256:" + hex64('a') }, "image", "invalid repository"},
		{"command required", func(s *Spec) { s.Command = nil }, "command", "is required"},
		{"command empty program", func(s *Spec) { s.Command = []string{"", "x"} }, "command[0]", "program is empty"},
		{"command too many", func(s *Spec) { s.Command = make([]string, MaxCommandArgs+1); s.Command[0] = "x" }, "command", "the limit is 256"},
		{"command arg too long", func(s *Spec) { s.Command = []string{"python", strings.Repeat("x", MaxArgBytes+1)} }, "command[1]", "the limit is 4096"},
		{"command NUL", func(s *Spec) { s.Command = []string{"python", "a\x00b"} }, "command[1]", "control character"},
		{"command invalid utf8", func(s *Spec) { s.Command = []string{"python", "\xff"} }, "command[1]", "not valid UTF-8"},
		{"env bad key", func(s *Spec) { s.Env = map[string]string{"1X": "v"} }, "env[\"1X\"]", "not a valid variable name"},
		{"env reserved GPUNET", func(s *Spec) { s.Env = map[string]string{"GPUNET_SEED": "1"} }, "env.GPUNET_SEED", "reserved"},
		{"env reserved OMP", func(s *Spec) { s.Env = map[string]string{"OMP_NUM_THREADS": "4"} }, "env.OMP_NUM_THREADS", "reserved"},
		{"env reserved MKL", func(s *Spec) { s.Env = map[string]string{"MKL_NUM_THREADS": "4"} }, "env.MKL_NUM_THREADS", "reserved"},
		{"env reserved GOMAXPROCS", func(s *Spec) { s.Env = map[string]string{"GOMAXPROCS": "4"} }, "env.GOMAXPROCS", "reserved"},
		{"env reserved NVIDIA devices", func(s *Spec) { s.Env = map[string]string{"NVIDIA_VISIBLE_DEVICES": "all"} }, "env.NVIDIA_VISIBLE_DEVICES", "reserved"},
		{"env value control", func(s *Spec) { s.Env = map[string]string{"A": "\x1b[31m"} }, "env.A", "control character"},
		{"env too many", func(s *Spec) {
			s.Env = map[string]string{}
			for i := range MaxEnvVars + 1 {
				s.Env["V"+strings.Repeat("X", i)] = ""
			}
		}, "env", "the limit is 128"},
		{"gpus negative", func(s *Spec) { s.Resources.GPUs = -1 }, "resources.gpus", "must not be negative (got -1)"},
		{"gpus too many", func(s *Spec) { s.Resources.GPUs = 65 }, "resources.gpus", "at most 64"},
		{"gpu memory negative", func(s *Spec) { s.Resources.GPUMemoryMiB = -5 }, "resources.gpu_memory_mib", "must not be negative"},
		{"gpu memory on cpu job", func(s *Spec) { cpuJob(s); s.Resources.GPUMemoryMiB = 1024 }, "resources.gpu_memory_mib", "gpus is 0"},
		{"gpu memory huge", func(s *Spec) { s.Resources.GPUMemoryMiB = MaxGPUMemoryMiB + 1 }, "resources.gpu_memory_mib", "the limit"},
		{"gpu models on cpu job", func(s *Spec) { cpuJob(s); s.Resources.GPUModels = []string{"A100"} }, "resources.gpu_models", "gpus is 0"},
		{"gpu model empty", func(s *Spec) { s.Resources.GPUModels = []string{"A100", ""} }, "resources.gpu_models[1]", "is empty"},
		{"gpu model repeated", func(s *Spec) { s.Resources.GPUModels = []string{"A100", "A100"} }, "resources.gpu_models[1]", "repeats"},
		{"cpus zero", func(s *Spec) { s.Resources.CPUs = 0 }, "resources.cpus", "at least 1"},
		{"cpus negative", func(s *Spec) { s.Resources.CPUs = -2 }, "resources.cpus", "at least 1 (got -2)"},
		{"cpus too many", func(s *Spec) { s.Resources.CPUs = 257 }, "resources.cpus", "the limit is 256"},
		{"memory too small", func(s *Spec) { s.Resources.MemoryMiB = 63 }, "resources.memory_mib", "at least 64"},
		{"memory negative", func(s *Spec) { s.Resources.MemoryMiB = -1 }, "resources.memory_mib", "at least 64"},
		{"disk negative", func(s *Spec) { s.Resources.DiskMiB = -1 }, "resources.disk_mib", "must not be negative"},
		{"steps zero", func(s *Spec) { s.Steps = 0 }, "steps", "at least 1"},
		{"steps too many", func(s *Spec) { s.Steps = MaxSteps + 1 }, "steps", "step-<8 digits>"},
		{"checkpoint zero", func(s *Spec) { s.CheckpointEvery = 0 }, "checkpoint_every", "at least 1"},
		{"checkpoint past steps", func(s *Spec) { s.CheckpointEvery = s.Steps + 1 }, "checkpoint_every", "more than steps"},
		{"too many segments", func(s *Spec) { s.Steps, s.CheckpointEvery = 20001, 2 }, "checkpoint_every", "makes 10001 segments"},
		{"input uri required", func(s *Spec) { s.Inputs[0].URI = "" }, "inputs[0].uri", "is required"},
		{"input scheme", func(s *Spec) { s.Inputs[1].URI = "s3://bucket/x.bin" }, "inputs[1].uri", `scheme "s3"`},
		{"input ftp", func(s *Spec) { s.Inputs[1].URI = "ftp://host/x.bin" }, "inputs[1].uri", `scheme "ftp"`},
		{"input credentials", func(s *Spec) { s.Inputs[0].URI = "https://user:pw@host/x.bin" }, "inputs[0].uri", "credentials"},
		{"input no host", func(s *Spec) { s.Inputs[0].URI = "https:///x.bin" }, "inputs[0].uri", "no host"},
		{"input file relative", func(s *Spec) { s.Inputs[0].URI = "file:///data/../etc/shadow" }, "inputs[0].uri", "clean absolute path"},
		{"input space", func(s *Spec) { s.Inputs[0].URI = "https://host/a b" }, "inputs[0].uri", "printable ASCII"},
		{"input sha required", func(s *Spec) { s.Inputs[0].SHA256 = "" }, "inputs[0].sha256", "is required"},
		{"input sha short", func(s *Spec) { s.Inputs[0].SHA256 = "abc" }, "inputs[0].sha256", "not 64 hex"},
		{"input sha uppercase", func(s *Spec) { s.Inputs[0].SHA256 = hex64('A') }, "inputs[0].sha256", "uppercase"},
		{"input name slash", func(s *Spec) { s.Inputs[1].Name = "a/b" }, "inputs[1].name", "not a safe file name"},
		{"input name dotdot", func(s *Spec) { s.Inputs[1].Name = ".." }, "inputs[1].name", "not a safe file name"},
		{"input name duplicate", func(s *Spec) { s.Inputs[1].Name = s.Inputs[0].Name }, "inputs[1].name", "also the name of inputs[0]"},
		{"input name underivable", func(s *Spec) { s.Inputs[0].Name, s.Inputs[0].URI = "", "https://host/" }, "inputs[0].name", "cannot be derived"},
		{"mode unknown", func(s *Spec) { s.Verification.Mode = "fuzzy" }, "verification.mode", "exact or tolerance"},
		{"samples zero", func(s *Spec) { s.Verification.Samples = 0 }, "verification.samples", "at least 1"},
		{"samples past segments", func(s *Spec) { s.Verification.Samples = 21 }, "verification.samples", "only 20 segments"},
		{"tolerance required", func(s *Spec) { s.Verification.Tolerance = "" }, "verification.tolerance", "required in tolerance mode"},
		{"tolerance zero", func(s *Spec) { s.Verification.Tolerance = "0.000" }, "verification.tolerance", "greater than 0"},
		{"tolerance one", func(s *Spec) { s.Verification.Tolerance = "1" }, "verification.tolerance", "less than 1"},
		{"tolerance exponent", func(s *Spec) { s.Verification.Tolerance = "1e-3" }, "verification.tolerance", "not a plain decimal"},
		{"tolerance negative", func(s *Spec) { s.Verification.Tolerance = "-0.1" }, "verification.tolerance", "not a plain decimal"},
		{"tolerance in exact mode", func(s *Spec) { s.Verification.Mode = ModeExact }, "verification.tolerance", "must be empty in exact mode"},
		{"price required", func(s *Spec) { s.MaxPricePerGPUHour = Amount{} }, "max_price_per_gpu_hour", "is required"},
		{"price zero", func(s *Spec) { s.MaxPricePerGPUHour = amount("0gpu") }, "max_price_per_gpu_hour", "greater than zero"},
		{"price negative", func(s *Spec) { s.MaxPricePerGPUHour = amount("-1ugpu") }, "max_price_per_gpu_hour", "greater than zero (got -1ugpu)"},
		{"price huge", func(s *Spec) { s.MaxPricePerGPUHour = NewAmount(maxAmount) }, "max_price_per_gpu_hour", "too large"},
		{"deposit required", func(s *Spec) { s.Deposit = Amount{} }, "deposit", "is required"},
		{"deposit short", func(s *Spec) { s.Deposit = amount("119.999999gpu") }, "deposit", "does not cover the maximum cost 120000000ugpu"},
		{"duration required", func(s *Spec) { s.MaxDuration = Duration{} }, "max_duration", "is required"},
		{"duration negative", func(s *Spec) { s.MaxDuration = NewDuration(-time.Hour) }, "max_duration", "must be positive"},
		{"duration too long", func(s *Spec) { s.MaxDuration = NewDuration(MaxDuration + time.Second) }, "max_duration", "the limit is 720h0m0s"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s := validSpec(t)
			row.mutate(s)
			requireFieldError(t, s.Validate(), row.field, row.want)
			if _, err := s.Canonical(); err == nil {
				t.Fatal("Canonical encoded an invalid spec")
			}
		})
	}
}

func TestCPUJobNeedsNoCoverage(t *testing.T) {
	s := validSpec(t)
	s.Resources.GPUs, s.Resources.GPUMemoryMiB, s.Resources.GPUModels = 0, 0, nil
	s.Deposit, _ = ParseAmount("1ugpu")
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if !s.MaxCost().IsZero() {
		t.Fatalf("CPU job MaxCost = %s", s.MaxCost())
	}
}

func TestMaxCostRoundsUp(t *testing.T) {
	s := validSpec(t)
	s.MaxPricePerGPUHour = NewAmount(math.NewInt(1)) // 1 ugpu per GPU-hour
	s.Resources.GPUs = 1
	s.MaxDuration = NewDuration(time.Minute)
	if got := s.MaxCost(); !got.Equal(math.OneInt()) {
		t.Fatalf("1 ugpu/h for 1m = %s, want 1 (rounded up)", got)
	}
	s.MaxDuration = NewDuration(2 * time.Hour)
	s.Resources.GPUs = 3
	if got := s.MaxCost(); !got.Equal(math.NewInt(6)) {
		t.Fatalf("1 ugpu/h × 3 × 2h = %s, want 6", got)
	}
}

// TestYAMLShape covers what only the YAML path sees: refusals, unknown and
// duplicate keys, and scalars of the wrong kind, each naming the field.
func TestYAMLShape(t *testing.T) {
	rows := []struct {
		name  string
		doc   func(t *testing.T) []byte
		field string
		want  string
	}{
		{"privileged", func(t *testing.T) []byte { return edit(t, "steps: 10000", "privileged: true\nsteps: 10000") }, "privileged", "refused: gpunet never runs privileged containers"},
		{"host network", func(t *testing.T) []byte { return edit(t, "steps: 10000", "host_network: true\nsteps: 10000") }, "host_network", "refused: jobs run with networking disabled"},
		{"network mode", func(t *testing.T) []byte { return edit(t, "steps: 10000", "network_mode: host\nsteps: 10000") }, "network_mode", "refused"},
		{"volumes", func(t *testing.T) []byte { return edit(t, "steps: 10000", "volumes: [/:/host]\nsteps: 10000") }, "volumes", "refused: jobs cannot mount host paths"},
		{"mounts under resources", func(t *testing.T) []byte { return edit(t, "  cpus: 8", "  cpus: 8\n  mounts: [/etc]") }, "resources.mounts", "refused"},
		{"devices under resources", func(t *testing.T) []byte { return edit(t, "  cpus: 8", "  cpus: 8\n  devices: [/dev/kvm]") }, "resources.devices", "refused"},
		{"cap_add", func(t *testing.T) []byte { return edit(t, "steps: 10000", "cap_add: [SYS_ADMIN]\nsteps: 10000") }, "cap_add", "capabilities dropped"},
		{"user", func(t *testing.T) []byte { return edit(t, "steps: 10000", "user: root\nsteps: 10000") }, "user", "non-root"},
		{"unknown top", func(t *testing.T) []byte { return edit(t, "steps: 10000", "step: 10000") }, "step", "unknown field"},
		{"unknown nested", func(t *testing.T) []byte { return edit(t, "  cpus: 8", "  cpu: 8") }, "resources.cpu", "unknown field"},
		{"unknown in input", func(t *testing.T) []byte { return edit(t, "  - name: tokenizer.json", "  - nmae: tokenizer.json") }, "inputs[1].nmae", "unknown field"},
		{"duplicate key", func(t *testing.T) []byte { return edit(t, "steps: 10000", "steps: 10000\nsteps: 20000") }, "steps", "is set twice"},
		{"duplicate env", func(t *testing.T) []byte {
			return edit(t, "  DATASET: cifar10", "  DATASET: cifar10\n  DATASET: mnist")
		}, "env.DATASET", "is set twice"},
		{"float steps", func(t *testing.T) []byte { return edit(t, "steps: 10000", "steps: 1.5") }, "steps", "whole number (got 1.5)"},
		{"exponent steps", func(t *testing.T) []byte { return edit(t, "steps: 10000", "steps: 1e4") }, "steps", "whole number"},
		{"quoted int", func(t *testing.T) []byte { return edit(t, "  gpus: 2", `  gpus: "2"`) }, "resources.gpus", "whole number"},
		{"huge int", func(t *testing.T) []byte { return edit(t, "  cpus: 8", "  cpus: 9223372036854775808") }, "resources.cpus", "out of range"},
		{"negative gpus", func(t *testing.T) []byte { return edit(t, "  gpus: 2", "  gpus: -1") }, "resources.gpus", "must not be negative (got -1)"},
		{"command scalar", func(t *testing.T) []byte {
			return edit(t, "command: [python, train.py, --batch-size, \"128\"]", "command: python train.py")
		}, "command", "must be a list"},
		{"env list", func(t *testing.T) []byte {
			return edit(t, "env:\n  LEARNING_RATE: \"0.1\"\n  DATASET: cifar10", "env: [A=1]")
		}, "env", "must be a mapping"},
		{"merge key", func(t *testing.T) []byte { return edit(t, "  cpus: 8", "  <<: {cpus: 8}") }, "resources", "merge key"},
		{"float amount", func(t *testing.T) []byte { return edit(t, "deposit: 150gpu", "deposit: 150.5") }, "deposit", "floating-point"},
		{"wrong denom", func(t *testing.T) []byte { return edit(t, "deposit: 150gpu", "deposit: 150atom") }, "deposit", `unit "atom"`},
		{"amount no unit", func(t *testing.T) []byte { return edit(t, "deposit: 150gpu", `deposit: "150"`) }, "deposit", "has no unit"},
		{"too many decimals", func(t *testing.T) []byte { return edit(t, "deposit: 150gpu", "deposit: 1.0000001gpu") }, "deposit", "more than 6 decimals"},
		{"zero amount", func(t *testing.T) []byte { return edit(t, "deposit: 150gpu", "deposit: 0") }, "deposit", "greater than zero"},
		{"negative amount", func(t *testing.T) []byte {
			return edit(t, "max_price_per_gpu_hour: 2.5gpu", "max_price_per_gpu_hour: -5")
		}, "max_price_per_gpu_hour", "greater than zero"},
		{"duration no unit", func(t *testing.T) []byte { return edit(t, "max_duration: 24h", "max_duration: 3600") }, "max_duration", "has no unit"},
		{"duration bad", func(t *testing.T) []byte { return edit(t, "max_duration: 24h", "max_duration: 1 day") }, "max_duration", "unknown unit"},
		{"duration too long", func(t *testing.T) []byte { return edit(t, "max_duration: 24h", "max_duration: 721h") }, "max_duration", "the limit is 720h0m0s"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s, err := ParseYAML(row.doc(t))
			if s != nil {
				t.Error("returned a spec along with an error")
			}
			requireFieldError(t, err, row.field, row.want)
		})
	}
}

func TestYAMLAcceptedForms(t *testing.T) {
	rows := []struct {
		name, old, new string
		check          func(*Spec) bool
	}{
		{"bare ugpu integer", "deposit: 150gpu", "deposit: 150000000", func(s *Spec) bool { return s.Deposit.String() == "150000000ugpu" }},
		{"ugpu string", "deposit: 150gpu", "deposit: 150000000ugpu", func(s *Spec) bool { return s.Deposit.String() == "150000000ugpu" }},
		{"gpu with space", "deposit: 150gpu", "deposit: 150 gpu", func(s *Spec) bool { return s.Deposit.String() == "150000000ugpu" }},
		{"six decimals", "deposit: 150gpu", "deposit: 150.000001gpu", func(s *Spec) bool { return s.Deposit.String() == "150000001ugpu" }},
		{"minutes", "max_duration: 24h", "max_duration: 90m", func(s *Spec) bool { return s.MaxDuration.String() == "1h30m0s" }},
		{"unquoted tolerance", `tolerance: "0.001"`, "tolerance: 0.0010", func(s *Spec) bool { return s.Verification.Tolerance == "0.001" }},
		{"env number text kept", `LEARNING_RATE: "0.1"`, "LEARNING_RATE: 0.10", func(s *Spec) bool { return s.Env["LEARNING_RATE"] == "0.10" }},
		{"mode defaults to exact", "  mode: tolerance\n  samples: 3\n  tolerance: \"0.001\"", "  samples: 3", func(s *Spec) bool { return s.Verification.Mode == ModeExact }},
		{"anchors", "  cpus: 8", "  cpus: &n 8\n", func(s *Spec) bool { return s.Resources.CPUs == 8 }},
		{"image id", "ghcr.io/gpunet/examples/resnet@sha256", "sha256", func(s *Spec) bool { return strings.HasPrefix(s.Image, "sha256:") }},
		{"registry port and tag", "ghcr.io/gpunet/examples/resnet@", "localhost:5000/resnet:v1@", func(s *Spec) bool { return strings.HasPrefix(s.Image, "localhost:5000/") }},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s, err := ParseYAML(edit(t, row.old, row.new))
			if err != nil {
				t.Fatal(err)
			}
			if !row.check(s) {
				t.Fatalf("unexpected result: %+v", s)
			}
		})
	}
}

func TestYAMLDocumentErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":           "",
		"comment only":    "# nothing\n",
		"null":            "~\n",
		"list":            "- a\n",
		"two documents":   string(validYAML(t)) + "---\nname: b\n",
		"syntax":          "name: [unclosed\n",
		"json trailing":   `{"name": "x"} {}`,
		"tab indentation": "name: x\n\tsteps: 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseYAML([]byte(doc))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	big := edit(t, "steps: 10000", "# "+strings.Repeat("x", MaxSpecBytes)+"\nsteps: 10000")
	_, err := ParseYAML(big)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "16384") {
		t.Fatalf("ParseYAML: got %v, want ErrTooLarge naming the limit", err)
	}
	if _, err := ParseCanonical(big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ParseCanonical: got %v, want ErrTooLarge", err)
	}

	// Within the limit as YAML, past it once aliases are expanded.
	s := validSpec(t)
	s.Command = []string{"python"}
	for len(s.Command) < 5 {
		s.Command = append(s.Command, strings.Repeat("y", MaxArgBytes))
	}
	if _, err := s.Canonical(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Canonical: got %v, want ErrTooLarge", err)
	}
	doc := edit(t, "command: [python, train.py, --batch-size, \"128\"]",
		"command: [python, &a "+strings.Repeat("z", 4000)+", *a, *a, *a, *a]")
	if len(doc) > MaxSpecBytes {
		t.Fatalf("test document is %d bytes", len(doc))
	}
	if _, err := ParseYAML(doc); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ParseYAML with aliases: got %v, want ErrTooLarge", err)
	}
}

func TestParseCanonicalRejectsOtherEncodings(t *testing.T) {
	c, err := validSpec(t).Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(c, &generic); err != nil {
		t.Fatal(err)
	}
	sorted, _ := json.Marshal(generic) // keys sorted, not in field order
	indented, _ := json.MarshalIndent(json.RawMessage(c), "", "  ")
	rows := map[string]struct {
		data []byte
		want error
	}{
		"reordered keys":     {sorted, ErrNotCanonical},
		"extra whitespace":   {indented, ErrNotCanonical},
		"trailing newline":   {append(bytes.Clone(c), '\n'), ErrNotCanonical},
		"trailing data":      {append(bytes.Clone(c), "{}"...), ErrInvalid},
		"escaped letter":     {bytes.Replace(c, []byte(`"resnet50`), []byte(`"\u0072esnet50`), 1), ErrNotCanonical},
		"gpu amount":         {bytes.Replace(c, []byte(`"150000000ugpu"`), []byte(`"150gpu"`), 1), ErrNotCanonical},
		"number amount":      {bytes.Replace(c, []byte(`"150000000ugpu"`), []byte(`150000000`), 1), ErrNotCanonical},
		"short duration":     {bytes.Replace(c, []byte(`"24h0m0s"`), []byte(`"24h"`), 1), ErrNotCanonical},
		"derived name empty": {bytes.Replace(c, []byte(`"name":"cifar-10-python.tar.gz",`), []byte(`"name":"",`), 1), ErrNotCanonical},
		"mode empty":         {bytes.Replace(bytes.Replace(c, []byte(`"mode":"tolerance"`), []byte(`"mode":""`), 1), []byte(`"tolerance":"0.001"`), []byte(`"tolerance":""`), 1), ErrNotCanonical},
		"env null":           {bytes.Replace(c, []byte(`"env":{"DATASET":"cifar10","LEARNING_RATE":"0.1"}`), []byte(`"env":null`), 1), ErrNotCanonical},
		"duplicate key":      {bytes.Replace(c, []byte(`"steps":10000,`), []byte(`"steps":10000,"steps":10000,`), 1), ErrNotCanonical},
		"upper-case key":     {bytes.Replace(c, []byte(`"steps"`), []byte(`"STEPS"`), 1), ErrNotCanonical},
		"unknown field":      {bytes.Replace(c, []byte(`"steps":`), []byte(`"privileged":true,"steps":`), 1), ErrInvalid},
		"float steps":        {bytes.Replace(c, []byte(`"steps":10000`), []byte(`"steps":1e4`), 1), ErrInvalid},
		"invalid":            {bytes.Replace(c, []byte(`"cpus":8`), []byte(`"cpus":0`), 1), ErrInvalid},
		"yaml":               {validYAML(t), ErrInvalid},
	}
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			if bytes.Equal(row.data, c) {
				t.Fatal("row does not change the canonical bytes")
			}
			_, err := ParseCanonical(row.data)
			if !errors.Is(err, row.want) {
				t.Fatalf("got %v, want %v", err, row.want)
			}
		})
	}
	if _, err := ParseCanonical(bytes.Replace(c, []byte(`"cpus":8`), []byte(`"cpus":0`), 1)); err != nil {
		requireFieldError(t, err, "resources.cpus", "at least 1")
	}
}

func TestCanonicalDoesNotModifyReceiver(t *testing.T) {
	s := validSpec(t)
	s.Env, s.Inputs, s.Verification.Mode, s.Verification.Tolerance = nil, nil, "", ""
	if _, err := s.Canonical(); err != nil {
		t.Fatal(err)
	}
	if s.Env != nil || s.Inputs != nil || s.Verification.Mode != "" {
		t.Fatalf("Canonical changed its receiver: %+v", s)
	}
}

func TestCanonicalEmptyOptionalFields(t *testing.T) {
	s := validSpec(t)
	s.Env, s.Inputs, s.Resources.GPUModels = nil, nil, nil
	c, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"env":{}`, `"inputs":[]`, `"gpu_models":[]`} {
		if !bytes.Contains(c, []byte(want)) {
			t.Errorf("canonical lacks %s: %s", want, c)
		}
	}
	if _, err := ParseCanonical(c); err != nil {
		t.Fatal(err)
	}
}

func TestCanonicalKeepsHTMLCharacters(t *testing.T) {
	s := validSpec(t)
	s.Command = []string{"bash", "-c", "python train.py > log && echo <done>\n"}
	c, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(c, []byte(`"python train.py > log && echo <done>\n"`)) {
		t.Fatalf("unexpected escaping: %s", c)
	}
	if _, err := ParseCanonical(c); err != nil {
		t.Fatal(err)
	}
}

func TestParseAmount(t *testing.T) {
	rows := []struct {
		in, want string // want "" means an error
	}{
		{"50000000ugpu", "50000000ugpu"},
		{"50gpu", "50000000ugpu"},
		{"2.5gpu", "2500000ugpu"},
		{"0.000001gpu", "1ugpu"},
		{"007ugpu", "7ugpu"},
		{"1 gpu", "1000000ugpu"},
		{"-3ugpu", "-3ugpu"},
		{"0.0000001gpu", ""},
		{"1.5ugpu", ""},
		{"5atom", ""},
		{"5GPU", ""},
		{"0x10ugpu", ""},
		{"1_000ugpu", ""},
		{"1e6ugpu", ""},
		{".5gpu", ""},
		{"5.gpu", ""},
		{"", ""},
		{"ugpu", ""},
		{"100", ""},
		{strings.Repeat("9", MaxAmountDigits+1) + "ugpu", ""},
	}
	for _, row := range rows {
		a, err := ParseAmount(row.in)
		switch {
		case row.want == "" && err == nil:
			t.Errorf("ParseAmount(%q) = %s, want an error", row.in, a)
		case row.want != "" && (err != nil || a.String() != row.want):
			t.Errorf("ParseAmount(%q) = %s, %v; want %s", row.in, a, err, row.want)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	var a Amount
	for in, want := range map[string]string{`"2gpu"`: "2000000ugpu", `7`: "7ugpu", `null`: "", `""`: ""} {
		if err := json.Unmarshal([]byte(in), &a); err != nil || a.String() != want {
			t.Errorf("unmarshal %s = %q, %v; want %q", in, a, err, want)
		}
	}
	for _, in := range []string{`1.5`, `true`, `"1.5ugpu"`, `[1]`} {
		if err := json.Unmarshal([]byte(in), &a); err != nil || a.bad == nil {
			t.Errorf("unmarshal %s: err %v, bad %v; want a kept problem", in, err, a.bad)
		}
		if _, err := json.Marshal(a); err == nil {
			t.Errorf("marshal of bad amount %s succeeded", in)
		}
	}
}

func TestParseDurationMatchesTime(t *testing.T) {
	for _, in := range []string{
		"2h", "90m", "1h30m", "1h30m0s", "1.5h", "0.5s", "1.000000001s", "300ms", "1us", "1µs", "1μs",
		"10ns", "+5m", "-5m", "0", "1h0.5m", ".5h", "1.h", "720h0m0s", "2562047h47m16.854775807s",
		"-2562047h47m16.854775808s",
	} {
		want, err := time.ParseDuration(in)
		if err != nil {
			t.Fatalf("bad row %q: %v", in, err)
		}
		got, err := ParseDuration(in)
		if err != nil || got.Duration() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got.Duration(), err, want)
		}
		if back, err := ParseDuration(want.String()); err != nil || back.Duration() != want {
			t.Errorf("String form %q does not parse back: %v", want.String(), err)
		}
	}
	for _, in := range []string{"", "h", "1", "1d", "1.5", "1h ", " 1h", ".", "-", "0.5ns", "1.0000000001s",
		"2562047h47m16.854775808s", "9999999999999999999h", "99999999999999999999ns", "1h-1m"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d.Duration())
		}
	}
}
