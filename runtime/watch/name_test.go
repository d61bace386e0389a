package watch

import "testing"

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		step int64
		ok   bool
	}{
		{"step-00000000.safetensors", 0, true},
		{"step-00000001.safetensors", 1, true},
		{"step-00001000.safetensors", 1000, true},
		{"step-99999999.safetensors", 99999999, true},
		{"step-0000001.safetensors", 0, false},   // 7 digits
		{"step-000000001.safetensors", 0, false}, // 9 digits
		{"step-1.safetensors", 0, false},
		{"step-+0000001.safetensors", 0, false},
		{"step--0000001.safetensors", 0, false},
		{"step-0000000a.safetensors", 0, false},
		{"step-0000 001.safetensors", 0, false},
		{"step-٠٠٠٠٠٠٠١.safetensors", 0, false}, // Arabic-Indic digits
		{".step-00000001.safetensors.tmp-123456", 0, false},
		{"step-00000001.safetensors.tmp-1", 0, false},
		{"step-00000001.safetensor", 0, false},
		{"step-00000001.SAFETENSORS", 0, false},
		{"Step-00000001.safetensors", 0, false},
		{"x/step-00000001.safetensors", 0, false},
		{"step-00000001.safetensors/", 0, false},
		{"", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := ParseName(tc.name)
			if step != tc.step || ok != tc.ok {
				t.Errorf("ParseName(%q) = %d, %v; want %d, %v", tc.name, step, ok, tc.step, tc.ok)
			}
			if ok && checkpointName(step) != tc.name {
				t.Errorf("round trip: %q", checkpointName(step))
			}
		})
	}
}
