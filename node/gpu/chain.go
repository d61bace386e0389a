package gpu

import (
	"cmp"
	"slices"

	"github.com/gpunet/gpunet/stake/types"
)

// ChainGPUs is what a provider registers on the chain for inv: healthy
// GPUs grouped by (model, memory, compute capability) and counted, sorted
// by those keys so the same machine always yields the same entries in any
// enumeration order. A GPU NVML could not fully describe (no model, memory
// or capability) is left out with the unhealthy ones: the chain rejects
// such entries, and a job could not be matched to it anyway.
func ChainGPUs(inv Inventory) []types.GPU {
	type key struct {
		model string
		mem   uint64
		cc    string
	}
	counts := map[key]uint32{}
	for _, g := range inv.GPUs {
		if !Offerable(g) {
			continue
		}
		counts[key{g.Name, g.MemoryMiB, g.ComputeCapability}]++
	}
	out := make([]types.GPU, 0, len(counts))
	for k, n := range counts {
		out = append(out, types.GPU{Model: k.model, MemoryMib: k.mem, ComputeCapability: k.cc, Count: n})
	}
	slices.SortFunc(out, func(a, b types.GPU) int {
		return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.MemoryMib, b.MemoryMib),
			cmp.Compare(a.ComputeCapability, b.ComputeCapability))
	})
	return out
}

// Offerable reports whether g may be offered to jobs.
func Offerable(g GPU) bool {
	return g.Health.OK && g.Name != "" && len(g.Name) <= types.MaxModelLen &&
		g.MemoryMiB > 0 && g.ComputeCapability != ""
}
