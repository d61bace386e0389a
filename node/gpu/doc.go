// Package gpu discovers this machine's NVIDIA GPUs and judges their health,
// so a provider offers the chain only GPUs that can run a job.
//
// A Source reports an Inventory: the driver and CUDA versions and, per GPU,
// its identity (index, UUID, model, memory, compute capability), telemetry
// (utilization, temperature) and Health. NVML is the real Source, built on an
// injected nvml.Interface so tests run against go-nvml's mocks; Null is the
// Source of a machine without GPUs. Detect picks one: a node without an
// NVIDIA driver is the normal case for CPU-only providers, so it logs one
// line and falls back to Null instead of failing. ChainGPUs turns an
// Inventory into the entries the chain stores for a provider.
//
// The package only looks. Handing GPUs to jobs is runtime/'s business and
// announcing them is the node's; nothing here allocates or talks to the
// network.
//
// NVML needs cgo (go-nvml loads libnvidia-ml.so.1 with dlopen). A binary
// built with CGO_ENABLED=0, like the FROM-scratch image, still compiles:
// there Detect always returns Null and says why.
package gpu
