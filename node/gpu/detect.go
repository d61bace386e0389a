//go:build cgo

package gpu

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Detect returns the NVML source when the NVIDIA driver is usable and a
// Null source, after logging one line saying why, when it is not. It never
// fails: a node without GPUs still runs CPU jobs.
func Detect(logger *slog.Logger) Source {
	return detect(logger, func() nvml.Interface { return nvml.New() })
}

// detect is Detect with the library constructor injected, so tests can
// play a machine without a driver.
func detect(logger *slog.Logger, newLib func() nvml.Interface) (src Source) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// go-nvml reports a failed dlopen as ERROR_LIBRARY_NOT_FOUND from Init,
	// but a half-installed driver can still fault inside the library; the
	// node must come up either way.
	defer func() {
		if r := recover(); r != nil {
			reason := fmt.Sprintf("NVML failed while loading (%v)", r)
			logger.Warn(reason + noGPUs)
			src = Null{Reason: reason}
		}
	}()
	n := NewNVML(newLib(), logger)
	err := n.open()
	if err == nil {
		return n
	}
	reason := whyNoDriver(err)
	if errors.Is(err, nvml.ERROR_LIBRARY_NOT_FOUND) {
		logger.Info(reason + noGPUs) // the normal case on CPU-only machines
	} else {
		logger.Warn(reason+noGPUs, "err", err)
	}
	return Null{Reason: reason}
}

// noGPUs ends the one line Detect logs when it falls back to Null.
const noGPUs = ": offering 0 GPUs; CPU jobs only"

// whyNoDriver words an Init failure for an operator.
func whyNoDriver(err error) string {
	switch {
	case errors.Is(err, nvml.ERROR_LIBRARY_NOT_FOUND):
		return "no NVIDIA driver found (libnvidia-ml.so.1 not loadable)"
	case errors.Is(err, nvml.ERROR_DRIVER_NOT_LOADED):
		return "NVIDIA driver not loaded (libnvidia-ml.so.1 found, but the kernel module is not running)"
	case errors.Is(err, nvml.ERROR_LIB_RM_VERSION_MISMATCH):
		return "NVIDIA driver and library versions differ (reboot after the driver upgrade)"
	case errors.Is(err, nvml.ERROR_NO_PERMISSION):
		return "no permission to open the NVIDIA devices (/dev/nvidia*)"
	default:
		return fmt.Sprintf("NVML did not initialize (%v)", err)
	}
}
