//go:build !cgo

package gpu

import "log/slog"

// Detect returns a Null source: without cgo go-nvml cannot be built, so
// this binary (e.g. the static image) cannot load libnvidia-ml.so.1.
func Detect(logger *slog.Logger) Source {
	const reason = "this gpunet was built without cgo and cannot load libnvidia-ml.so.1"
	if logger != nil {
		logger.Info(reason + ": offering 0 GPUs; CPU jobs only")
	}
	return Null{Reason: reason}
}
