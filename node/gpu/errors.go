package gpu

import "errors"

// Sentinels for errors.Is. Errors that carry them also name what failed,
// e.g. "query GPU 3 (GPU-…) memory: NVML call failed: ERROR_UNKNOWN", and
// wrap the nvml.Return itself where there is one.
var (
	// ErrNoDriver: libnvidia-ml.so.1 could not be loaded or the kernel
	// driver is not loaded. Detect turns it into a Null source.
	ErrNoDriver = errors.New("no NVIDIA driver")
	// ErrNotSupported: this GPU or driver does not report the value.
	// It means "unknown", never "unhealthy".
	ErrNotSupported = errors.New("not supported by this GPU or driver")
	// ErrNVML: any other failing NVML call.
	ErrNVML = errors.New("NVML call failed")
	// ErrClosed: the source was used after Close.
	ErrClosed = errors.New("GPU source closed")
)
