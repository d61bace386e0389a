package gpu

import "context"

// Source reports the GPUs of this machine. Sources that hold the driver
// open (NVML) also implement io.Closer; callers of Detect should close
// what it returns when it does.
type Source interface {
	Inventory(ctx context.Context) (Inventory, error)
}

// Inventory is one look at the machine's GPUs.
type Inventory struct {
	// Available is false when there is no GPU to offer at all; Reason then
	// says why, in words fit for an operator.
	Available     bool   `json:"available"`
	Reason        string `json:"reason,omitempty"`
	DriverVersion string `json:"driver_version,omitempty"`
	CUDAVersion   string `json:"cuda_version,omitempty"` // "12.4"
	GPUs          []GPU  `json:"gpus"`
}

// GPU is one device as NVML reports it. Fields NVML does not report on this
// GPU (ERROR_NOT_SUPPORTED) are left zero.
type GPU struct {
	Index              int    `json:"index"`
	UUID               string `json:"uuid"`
	Name               string `json:"name"`
	MemoryMiB          uint64 `json:"memory_mib"`
	ComputeCapability  string `json:"compute_capability"` // "9.0"
	UtilizationPercent uint32 `json:"utilization_percent"`
	TemperatureC       uint32 `json:"temperature_c"`
	Health             Health `json:"health"`
}

// Health says whether a GPU may be offered. Problems names each reason it
// may not: a failing query, pending retired pages, a row-remapping failure,
// uncorrected ECC errors.
type Health struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems,omitempty"`
}
