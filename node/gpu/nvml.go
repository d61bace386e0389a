//go:build cgo

package gpu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// NVML is the Source backed by NVIDIA's management library. The library is
// initialized on first use and shut down by Close; one mutex serializes
// inventories and Close so Shutdown never runs under a query.
type NVML struct {
	lib    nvml.Interface
	logger *slog.Logger

	mu     sync.Mutex
	opened bool
	closed bool
}

var (
	_ Source    = (*NVML)(nil)
	_ io.Closer = (*NVML)(nil)
)

// NewNVML returns a Source that queries lib. It does not call lib yet.
func NewNVML(lib nvml.Interface, logger *slog.Logger) *NVML {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &NVML{lib: lib, logger: logger}
}

// open initializes the library once.
func (n *NVML) open() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.openLocked()
}

func (n *NVML) openLocked() error {
	switch {
	case n.closed:
		return ErrClosed
	case n.opened:
		return nil
	}
	if err := check(n.lib.Init()); err != nil {
		return fmt.Errorf("initialize NVML: %w", err)
	}
	n.opened = true
	return nil
}

// Close shuts the library down if it was initialized. Later calls to
// Inventory return ErrClosed.
func (n *NVML) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	wasOpen := n.opened
	n.opened, n.closed = false, true
	if !wasOpen {
		return nil
	}
	if err := check(n.lib.Shutdown()); err != nil {
		return fmt.Errorf("shut down NVML: %w", err)
	}
	return nil
}

// Inventory queries every GPU. Only a failure of the library itself
// (Init, or counting devices) is an error; a GPU whose query fails is
// reported unhealthy with the query named, and the others still are.
func (n *NVML) Inventory(ctx context.Context) (Inventory, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.openLocked(); err != nil {
		return Inventory{}, err
	}
	inv := Inventory{GPUs: []GPU{}}
	// Versions are for people; a missing one does not stop the inventory.
	if v, ret := n.lib.SystemGetDriverVersion(); check(ret) == nil {
		inv.DriverVersion = v
	} else {
		n.logger.Warn("query NVIDIA driver version", "err", check(ret))
	}
	if v, ret := n.lib.SystemGetCudaDriverVersion(); check(ret) == nil {
		inv.CUDAVersion = cudaVersion(v)
	} else {
		n.logger.Warn("query CUDA driver version", "err", check(ret))
	}
	count, ret := n.lib.DeviceGetCount()
	if err := check(ret); err != nil {
		return Inventory{}, fmt.Errorf("count GPUs: %w", err)
	}
	for i := range count {
		if err := ctx.Err(); err != nil {
			return Inventory{}, fmt.Errorf("query GPU %d: %w", i, err)
		}
		inv.GPUs = append(inv.GPUs, n.queryGPU(i))
	}
	inv.Available = len(inv.GPUs) > 0
	if !inv.Available {
		inv.Reason = fmt.Sprintf("NVIDIA driver %s is loaded but reports no GPUs", inv.DriverVersion)
	}
	return inv, nil
}

// cudaVersion renders NVML's CUDA driver version, 1000*major + 10*minor
// (12040), as "12.4".
func cudaVersion(v int) string {
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// check converts an nvml.Return to an error at once, so nothing past the
// call compares Return codes. The Return stays wrapped for errors.Is.
func check(r nvml.Return) error {
	switch r {
	case nvml.SUCCESS:
		return nil
	case nvml.ERROR_NOT_SUPPORTED:
		return fmt.Errorf("%w: %w", ErrNotSupported, r)
	case nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED:
		return fmt.Errorf("%w: %w", ErrNoDriver, r)
	default:
		return fmt.Errorf("%w: %w", ErrNVML, r)
	}
}

// gpuQuery collects one GPU's answers and problems.
type gpuQuery struct {
	g      GPU
	logger *slog.Logger
	lost   bool // the GPU fell off the bus: further queries only repeat that
}

// fail records a failing query as a health problem.
func (q *gpuQuery) fail(what string, err error) {
	id := q.g.UUID
	if id == "" {
		id = "unknown UUID"
	}
	err = fmt.Errorf("query GPU %d (%s) %s: %w", q.g.Index, id, what, err)
	q.g.Health.OK = false
	q.g.Health.Problems = append(q.g.Health.Problems, err.Error())
	q.lost = q.lost || errors.Is(err, nvml.ERROR_GPU_IS_LOST)
	q.logger.Warn("GPU query failed", "gpu", q.g.Index, "uuid", q.g.UUID, "query", what, "err", err)
}

// problem records a condition NVML reported that makes the GPU unfit.
func (q *gpuQuery) problem(p string) {
	q.g.Health.OK = false
	q.g.Health.Problems = append(q.g.Health.Problems, p)
}

// answer reports whether a query's value may be used. ERROR_NOT_SUPPORTED
// means "not reported" and is not a problem; any other failure is.
func (q *gpuQuery) answer(what string, ret nvml.Return) bool {
	if q.lost {
		return false
	}
	err := check(ret)
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrNotSupported):
		return false
	default:
		q.fail(what, err)
		return false
	}
}

func (n *NVML) queryGPU(i int) GPU {
	q := &gpuQuery{g: GPU{Index: i, Health: Health{OK: true}}, logger: n.logger}
	dev, ret := n.lib.DeviceGetHandleByIndex(i)
	if err := check(ret); err != nil {
		q.fail("handle", err)
		return q.g
	}
	if v, ret := dev.GetUUID(); q.answer("uuid", ret) {
		q.g.UUID = v
	}
	if v, ret := dev.GetName(); q.answer("name", ret) {
		q.g.Name = v
	}
	if v, ret := dev.GetMemoryInfo(); q.answer("memory", ret) {
		q.g.MemoryMiB = v.Total / (1 << 20)
	}
	if major, minor, ret := dev.GetCudaComputeCapability(); q.answer("compute capability", ret) {
		q.g.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
	}
	if v, ret := dev.GetUtilizationRates(); q.answer("utilization", ret) {
		q.g.UtilizationPercent = v.Gpu
	}
	if v, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU); q.answer("temperature", ret) {
		q.g.TemperatureC = v
	}
	n.health(q, dev)
	return q.g
}

// health asks NVML about memory faults. Pre-Ampere GPUs retire pages,
// Ampere and later remap rows; each answers ERROR_NOT_SUPPORTED for the
// other mechanism, which is why that code never counts against a GPU.
func (n *NVML) health(q *gpuQuery, dev nvml.Device) {
	if st, ret := dev.GetRetiredPagesPendingStatus(); q.answer("retired pages", ret) && st == nvml.FEATURE_ENABLED {
		q.problem("retired pages pending: reset the GPU or reboot to retire them")
	}
	if _, _, pending, failed, ret := dev.GetRemappedRows(); q.answer("remapped rows", ret) {
		if failed {
			q.problem("row remapping failed: the GPU needs service")
		}
		if pending {
			q.problem("row remapping pending: reset the GPU to apply it")
		}
	}
	// Volatile counters restart with the driver, so a GPU that was reset
	// after an uncorrectable error is offered again.
	if c, ret := dev.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC); q.answer("ECC errors", ret) && c > 0 {
		q.problem(fmt.Sprintf("%d uncorrected ECC errors since the driver loaded", c))
	}
}
