//go:build cgo

// Package gputest gives tests a mock NVML server, go-nvml's DGX A100 with
// the telemetry and health queries it leaves unset answered as a healthy
// A100 answers them. It is the one fake the project allows: there is no
// GPU where tests run.
package gputest

import (
	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	mockserver "github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// Model is the name the mock GPUs report.
const Model = "Mock NVIDIA A100-SXM4-40GB"

// DGXA100 returns an 8-GPU server whose GPUs are all healthy. Like a real
// A100 it remaps rows and does not retire pages.
func DGXA100() *mockserver.Server {
	s := dgxa100.New()
	for i := range s.Devices {
		d := Device(s, i)
		d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: uint32(10 * i), Memory: 5}, nvml.SUCCESS
		}
		d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return uint32(30 + i), nvml.SUCCESS }
		d.GetRetiredPagesPendingStatusFunc = func() (nvml.EnableState, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
		d.GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) { return 0, 0, false, false, nvml.SUCCESS }
		d.GetTotalEccErrorsFunc = func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) { return 0, nvml.SUCCESS }
	}
	return s
}

// Device is GPU i of s.
func Device(s *mockserver.Server, i int) *mockserver.Device { return s.Devices[i].(*mockserver.Device) }
