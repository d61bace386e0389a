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
		{"deposit short", func(s *Spec) { s.Deposit = amount("119.999999gpu") }, "deposit", "119999999ugpu (119.999999gpu) does not cover the maximum cost 120000000ugpu (120gpu)"},
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
