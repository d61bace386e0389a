//go:build cgo

package gpu

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	mockserver "github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/gpunet/gpunet/node/gpu/gputest"
)

func server(t *testing.T) *mockserver.Server {
	t.Helper()
	return gputest.DGXA100()
}

func device(s *mockserver.Server, i int) *mockserver.Device { return gputest.Device(s, i) }

const a100 = gputest.Model

func TestNVMLInventory(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *mockserver.Server)
		// unhealthy maps a GPU index to a fragment of its one problem.
		unhealthy map[int]string
		offered   uint32
		check     func(t *testing.T, inv Inventory)
	}{
		{name: "healthy DGX A100", offered: 8},
		{
			name: "memory query fails",
			edit: func(s *mockserver.Server) {
				device(s, 3).GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_UNKNOWN }
			},
			unhealthy: map[int]string{3: "query GPU 3 (GPU-"},
			offered:   7,
			check: func(t *testing.T, inv Inventory) {
				p := inv.GPUs[3].Health.Problems[0]
				if !strings.Contains(p, ") memory: NVML call failed: ERROR_UNKNOWN") {
					t.Errorf("problem %q does not name the memory query and its error", p)
				}
			},
		},
		{
			name: "retired pages pending",
			edit: func(s *mockserver.Server) {
				device(s, 5).GetRetiredPagesPendingStatusFunc = func() (nvml.EnableState, nvml.Return) {
					return nvml.FEATURE_ENABLED, nvml.SUCCESS
				}
			},
			unhealthy: map[int]string{5: "retired pages pending"},
			offered:   7,
		},
		{
			name: "row remapping failed and pending",
			edit: func(s *mockserver.Server) {
				device(s, 0).GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) { return 0, 3, false, true, nvml.SUCCESS }
				device(s, 1).GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) { return 0, 1, true, false, nvml.SUCCESS }
			},
			unhealthy: map[int]string{0: "row remapping failed", 1: "row remapping pending"},
			offered:   6,
		},
		{
			name: "uncorrected ECC errors",
			edit: func(s *mockserver.Server) {
				device(s, 7).GetTotalEccErrorsFunc = func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) { return 2, nvml.SUCCESS }
			},
			unhealthy: map[int]string{7: "2 uncorrected ECC errors"},
			offered:   7,
		},
		{
			name: "not supported is not reported, never unhealthy",
			edit: func(s *mockserver.Server) {
				for i := range s.Devices {
					d := device(s, i)
					d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{Gpu: 99}, nvml.ERROR_NOT_SUPPORTED }
					d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 99, nvml.ERROR_NOT_SUPPORTED }
					d.GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) { return 0, 0, true, true, nvml.ERROR_NOT_SUPPORTED }
					d.GetTotalEccErrorsFunc = func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
						return 9, nvml.ERROR_NOT_SUPPORTED
					}
				}
			},
			offered: 8,
			check: func(t *testing.T, inv Inventory) {
				for _, g := range inv.GPUs {
					if g.UtilizationPercent != 0 || g.TemperatureC != 0 {
						t.Errorf("GPU %d: unsupported values used: util %d, temp %d", g.Index, g.UtilizationPercent, g.TemperatureC)
					}
				}
			},
		},
		{
			name: "no handle for a GPU",
			edit: func(s *mockserver.Server) {
				s.DeviceGetHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
					if i == 2 {
						return nil, nvml.ERROR_UNKNOWN
					}
					return s.Devices[i], nvml.SUCCESS
				}
			},
			unhealthy: map[int]string{2: "query GPU 2 (unknown UUID) handle"},
			offered:   7,
		},
		{
			name: "lost GPU is one problem, not one per query",
			edit: func(s *mockserver.Server) {
				device(s, 4).GetNameFunc = func() (string, nvml.Return) { return "", nvml.ERROR_GPU_IS_LOST }
			},
			unhealthy: map[int]string{4: "name"},
			offered:   7,
		},
		{
			name: "driver version missing still inventories",
			edit: func(s *mockserver.Server) {
				s.SystemGetDriverVersionFunc = func() (string, nvml.Return) { return "", nvml.ERROR_UNKNOWN }
			},
			offered: 8,
			check: func(t *testing.T, inv Inventory) {
				if inv.DriverVersion != "" || inv.CUDAVersion != "12.4" {
					t.Errorf("versions = %q, %q; want \"\", 12.4", inv.DriverVersion, inv.CUDAVersion)
				}
			},
		},
		{
			name: "driver sees no GPUs",
			edit: func(s *mockserver.Server) { s.Devices = nil },
			check: func(t *testing.T, inv Inventory) {
				if inv.Available || !strings.Contains(inv.Reason, "reports no GPUs") {
					t.Errorf("Available=%v Reason=%q; want false and a reason", inv.Available, inv.Reason)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := server(t)
			if tt.edit != nil {
				tt.edit(s)
			}
			src := NewNVML(s, nil)
			inv, err := src.Inventory(context.Background())
			if err != nil {
				t.Fatalf("Inventory: %v", err)
			}
			if len(inv.GPUs) != len(s.Devices) {
				t.Fatalf("%d GPUs, want %d", len(inv.GPUs), len(s.Devices))
			}
			if len(s.Devices) > 0 && (!inv.Available || inv.Reason != "") {
				t.Errorf("Available=%v Reason=%q with GPUs present", inv.Available, inv.Reason)
			}
			for i, g := range inv.GPUs {
				if g.Index != i {
					t.Errorf("GPUs[%d].Index = %d", i, g.Index)
				}
				frag, bad := tt.unhealthy[i]
				if !bad {
					want := GPU{Index: i, UUID: device(s, i).UUID, Name: a100, MemoryMiB: 40960, ComputeCapability: "8.0",
						UtilizationPercent: g.UtilizationPercent, TemperatureC: g.TemperatureC, Health: Health{OK: true}}
					if !equalGPU(g, want) {
						t.Errorf("GPU %d = %+v, want %+v", i, g, want)
					}
					continue
				}
				if g.Health.OK || len(g.Health.Problems) != 1 || !strings.Contains(g.Health.Problems[0], frag) {
					t.Errorf("GPU %d health = %+v; want one problem containing %q", i, g.Health, frag)
				}
			}
			var offered uint32
			for _, c := range ChainGPUs(inv) {
				offered += c.Count
			}
			if offered != tt.offered {
				t.Errorf("ChainGPUs offers %d GPUs, want %d", offered, tt.offered)
			}
			if tt.check != nil {
				tt.check(t, inv)
			}
		})
	}
}

func equalGPU(a, b GPU) bool {
	return a.Index == b.Index && a.UUID == b.UUID && a.Name == b.Name && a.MemoryMiB == b.MemoryMiB &&
		a.ComputeCapability == b.ComputeCapability && a.UtilizationPercent == b.UtilizationPercent &&
		a.TemperatureC == b.TemperatureC && a.Health.OK == b.Health.OK && len(a.Health.Problems) == len(b.Health.Problems)
}

func TestNVMLVersionsAndTelemetry(t *testing.T) {
	inv, err := NewNVML(server(t), nil).Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inv.DriverVersion != "550.54.15" || inv.CUDAVersion != "12.4" {
		t.Errorf("driver %q CUDA %q; want 550.54.15 and 12.4", inv.DriverVersion, inv.CUDAVersion)
	}
	if g := inv.GPUs[3]; g.UtilizationPercent != 30 || g.TemperatureC != 33 {
		t.Errorf("GPU 3 util %d temp %d; want 30 and 33", g.UtilizationPercent, g.TemperatureC)
	}
}

func TestCUDAVersion(t *testing.T) {
	for v, want := range map[int]string{12040: "12.4", 11080: "11.8", 12000: "12.0", 13010: "13.1", 10020: "10.2"} {
		if got := cudaVersion(v); got != want {
			t.Errorf("cudaVersion(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestNVMLLibraryFailures(t *testing.T) {
	t.Run("count fails", func(t *testing.T) {
		s := server(t)
		s.DeviceGetCountFunc = func() (int, nvml.Return) { return 0, nvml.ERROR_UNKNOWN }
		_, err := NewNVML(s, nil).Inventory(context.Background())
		if !errors.Is(err, ErrNVML) || !errors.Is(err, nvml.ERROR_UNKNOWN) || !strings.HasPrefix(err.Error(), "count GPUs: ") {
			t.Errorf("err = %v; want count GPUs wrapping ErrNVML and ERROR_UNKNOWN", err)
		}
	})
	t.Run("init fails", func(t *testing.T) {
		s := server(t)
		s.InitFunc = func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }
		_, err := NewNVML(s, nil).Inventory(context.Background())
		if !errors.Is(err, ErrNoDriver) || !errors.Is(err, nvml.ERROR_LIBRARY_NOT_FOUND) {
			t.Errorf("err = %v; want ErrNoDriver", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := NewNVML(server(t), nil).Inventory(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v; want context.Canceled", err)
		}
	})
}

func TestNVMLInitOnceShutdownOnClose(t *testing.T) {
	s := server(t)
	src := NewNVML(s, nil)
	if err := src.Close(); err != nil || len(s.ShutdownCalls()) != 0 {
		t.Fatalf("Close before use: err %v, %d Shutdown calls; want nil, 0", err, len(s.ShutdownCalls()))
	}
	src = NewNVML(s, nil)
	for range 3 {
		if _, err := src.Inventory(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.InitCalls()); n != 1 {
		t.Errorf("Init called %d times, want 1", n)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.ShutdownCalls()); n != 1 {
		t.Errorf("Shutdown called %d times, want 1", n)
	}
	if _, err := src.Inventory(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Inventory after Close: %v, want ErrClosed", err)
	}
}
