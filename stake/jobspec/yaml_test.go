package jobspec

import (
	"errors"
	"strings"
	"testing"
)

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
