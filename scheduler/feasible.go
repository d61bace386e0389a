package scheduler

// This file is the filter stage: a provider is feasible for a job when
// every checker passes. Checkers run in a fixed order and the first that
// fails names the Reason, so "why not placed?" has one stable answer.

// Resource dimensions tracked per provider and indexed by Plan.
const (
	dimGPU = iota
	dimCPU
	dimMem
	dimDisk
	numDims
)

// gpuEntry is a GPU inventory entry with its model interned.
type gpuEntry struct {
	model int32 // -1: a model no job of this call can name
	mem   uint64
	count uint64
}

// node is a provider prepared for filtering and scoring; Plan updates its
// free resources as it places jobs (the Provider itself is never written).
type node struct {
	addr     string
	input    int32 // index in the caller's providers slice
	jailed   bool
	free     [numDims]uint64
	total    uint64 // GPUs over all inventory entries
	gpus     []gpuEntry
	price    amount
	stake    amount
	verified uint64
	static   int64 // job-independent points, the secondary static rank key
	refs     []modelRef
}

// jobView is a job prepared for filtering and scoring.
type jobView struct {
	need     [numDims]uint64 // need[dimGPU] == 0: a CPU job, GPU filters skipped
	gpuMem   uint64
	filter   bool    // the job names acceptable models
	models   []int32 // interned acceptable models present in some inventory
	maxPrice amount
	minStake amount
	cap      amount // stake scorer saturation, see stakeCap
}

// interner numbers model names; lookups only, so map order never matters.
type interner map[string]int32

func (in interner) add(name string) int32 {
	if id, ok := in[name]; ok {
		return id
	}
	id := int32(len(in))
	in[name] = id
	return id
}

func newJobView(j *Job, in interner) jobView {
	v := jobView{
		need:     [numDims]uint64{dimGPU: uint64(j.GPUs), dimCPU: j.CPUs, dimMem: j.MemoryMiB, dimDisk: j.DiskMiB},
		maxPrice: newAmount(j.MaxPricePerGPUHour),
		minStake: newAmount(j.MinStake),
	}
	v.cap = stakeCap(v.minStake)
	if j.GPUs > 0 {
		v.gpuMem = j.GPUMemoryMiB
		if len(j.GPUModels) > 0 {
			v.filter = true
			for _, m := range j.GPUModels {
				id, ok := in[m]
				if !ok || containsModel(v.models, id) {
					continue
				}
				v.models = append(v.models, id)
			}
		}
	}
	return v
}

func containsModel(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// check runs the checkers in order; it returns "" when n is feasible for j.
func (n *node) check(j *jobView) Reason {
	// Jailed providers take no new work.
	if n.jailed {
		return ReasonJailed
	}
	// GPU checkers, only for GPU jobs: enough free GPUs, then one inventory
	// entry with an acceptable model, enough memory per GPU and Count >= the
	// job's GPUs. Free GPUs are not tracked per model, so both must hold.
	if need := j.need[dimGPU]; need > 0 {
		if n.free[dimGPU] < need {
			return ReasonGPUs
		}
		if r := n.checkEntries(j); r != "" {
			return r
		}
	}
	// Host resources.
	if n.free[dimCPU] < j.need[dimCPU] {
		return ReasonCPU
	}
	if n.free[dimMem] < j.need[dimMem] {
		return ReasonMemory
	}
	if n.free[dimDisk] < j.need[dimDisk] {
		return ReasonDisk
	}
	// Market: the provider's price within the job's maximum.
	if cmpAmount(n.price, j.maxPrice) > 0 {
		return ReasonPrice
	}
	// Security: enough slashable stake for the job's value.
	if cmpAmount(n.stake, j.minStake) < 0 {
		return ReasonStake
	}
	return ""
}

func (n *node) checkEntries(j *jobView) Reason {
	modelOK, memOK := false, false
	for i := range n.gpus {
		g := &n.gpus[i]
		if j.filter && !containsModel(j.models, g.model) {
			continue
		}
		modelOK = true
		if g.mem < j.gpuMem {
			continue
		}
		memOK = true
		if g.count >= j.need[dimGPU] {
			return ""
		}
	}
	switch {
	case !modelOK:
		return ReasonModel
	case !memOK:
		return ReasonGPUMemory
	}
	return ReasonGPUs
}
