//go:build cgo

package gpu

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
)

func TestDetect(t *testing.T) {
	initReturns := func(r nvml.Return) func() nvml.Interface {
		return func() nvml.Interface { return &mock.Interface{InitFunc: func() nvml.Return { return r }} }
	}
	tests := []struct {
		name    string
		newLib  func() nvml.Interface
		reason  string // empty: the NVML source
		logLine string
	}{
		{
			name:    "library not found",
			newLib:  initReturns(nvml.ERROR_LIBRARY_NOT_FOUND),
			reason:  "no NVIDIA driver found (libnvidia-ml.so.1 not loadable)",
			logLine: "level=INFO msg=\"no NVIDIA driver found (libnvidia-ml.so.1 not loadable): offering 0 GPUs; CPU jobs only\"",
		},
		{
			name:    "kernel driver not loaded",
			newLib:  initReturns(nvml.ERROR_DRIVER_NOT_LOADED),
			reason:  "NVIDIA driver not loaded (libnvidia-ml.so.1 found, but the kernel module is not running)",
			logLine: "level=WARN",
		},
		{
			name:    "other init failure",
			newLib:  initReturns(nvml.ERROR_UNKNOWN),
			reason:  "NVML did not initialize (initialize NVML: NVML call failed: ERROR_UNKNOWN)",
			logLine: "offering 0 GPUs; CPU jobs only",
		},
		{
			name: "library panics while loading",
			newLib: func() nvml.Interface {
				return &mock.Interface{InitFunc: func() nvml.Return { panic("dlopen: bad ELF") }}
			},
			reason:  "NVML failed while loading (dlopen: bad ELF)",
			logLine: "offering 0 GPUs; CPU jobs only",
		},
		{name: "driver present", newLib: func() nvml.Interface { return server(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			src := detect(slog.New(slog.NewTextHandler(&logs, nil)), tt.newLib)
			if tt.reason == "" {
				if _, ok := src.(*NVML); !ok || logs.Len() != 0 {
					t.Fatalf("got %T logging %q; want *NVML, silent", src, logs.String())
				}
				return
			}
			null, ok := src.(Null)
			if !ok || null.Reason != tt.reason {
				t.Fatalf("got %#v; want Null{%q}", src, tt.reason)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.logLine) {
				t.Errorf("logged %q; want one line containing %q", logs.String(), tt.logLine)
			}
			inv, err := src.Inventory(context.Background())
			if err != nil || inv.Available || inv.Reason != tt.reason || len(inv.GPUs) != 0 || len(ChainGPUs(inv)) != 0 {
				t.Errorf("Inventory = %+v, %v; want unavailable with the reason and no GPUs", inv, err)
			}
		})
	}
}

// TestDetectThisMachine runs the real library: on a machine without a
// driver it must fall back to Null, not panic; with one it must inventory.
func TestDetectThisMachine(t *testing.T) {
	var logs bytes.Buffer
	src := Detect(slog.New(slog.NewTextHandler(&logs, nil)))
	defer src.(io.Closer).Close()
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatalf("Inventory: %v", err)
	}
	t.Logf("Detect: %T, logged %q", src, logs.String())
	t.Logf("inventory: %+v", inv)
	if _, null := src.(Null); null && (inv.Available || !strings.Contains(logs.String(), "CPU jobs only")) {
		t.Errorf("Null source without the fallback line: %+v, log %q", inv, logs.String())
	}
}
