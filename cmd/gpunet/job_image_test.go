package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gpunet/gpunet/stake/jobspec"
)

// --image replaces the spec's image before validation, so a spec whose own
// image is a tag, or missing, becomes valid; JSON specs work too.
func TestJobSpecWithImage(t *testing.T) {
	id := fmt.Sprintf("sha256:%064x", 7)
	unpinned, err := os.ReadFile(filepath.Join("testdata", "unpinned.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jobspec.ParseYAML(unpinned); err == nil {
		t.Fatal("testdata/unpinned.yaml parses as it is; the test needs an unpinned image")
	}
	asJSON := []byte(`{"name": "j", "command": ["/trainer"], "resources": {"gpus": 0, "cpus": 1, "memory_mib": 128, "disk_mib": 16},
		"steps": 10, "checkpoint_every": 5, "verification": {"mode": "exact", "samples": 1},
		"max_price_per_gpu_hour": "1gpu", "deposit": "1gpu", "max_duration": "10m"}`)
	for name, data := range map[string][]byte{"yaml with a tag": unpinned, "json without image": asJSON} {
		t.Run(name, func(t *testing.T) {
			out, err := specWithImage(data, id)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := jobspec.ParseYAML(out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if spec.Image != id {
				t.Fatalf("image %q, want %q", spec.Image, id)
			}
		})
	}
	if _, err := specWithImage([]byte("- a\n- b\n"), id); err == nil {
		t.Fatal("a list is not a spec")
	}
}
