package jobspec

import (
	"net/url"
	"path"

	"cosmossdk.io/math"
)

// Spec is a training job as submitted by a client (SPEC section 4). Field
// order is the canonical JSON order.
type Spec struct {
	Name               string            `json:"name" yaml:"name"`
	Image              string            `json:"image" yaml:"image"`
	Command            []string          `json:"command" yaml:"command"`
	Env                map[string]string `json:"env" yaml:"env"`
	Resources          Resources         `json:"resources" yaml:"resources"`
	Steps              int64             `json:"steps" yaml:"steps"`
	CheckpointEvery    int64             `json:"checkpoint_every" yaml:"checkpoint_every"`
	Inputs             []Input           `json:"inputs" yaml:"inputs"`
	Verification       Verification      `json:"verification" yaml:"verification"`
	MaxPricePerGPUHour Amount            `json:"max_price_per_gpu_hour" yaml:"max_price_per_gpu_hour"`
	Deposit            Amount            `json:"deposit" yaml:"deposit"`
	MaxDuration        Duration          `json:"max_duration" yaml:"max_duration"`
}

// Resources are per job. Signed integers let a negative value reach Validate
// and get a field error instead of an opaque decode error.
type Resources struct {
	// GPUs is the number of whole GPUs; 0 makes a CPU job.
	GPUs int64 `json:"gpus" yaml:"gpus"`
	// GPUMemoryMiB is the minimum memory of each GPU; 0 means any.
	GPUMemoryMiB int64 `json:"gpu_memory_mib" yaml:"gpu_memory_mib"`
	// GPUModels, when not empty, lists the acceptable GPU models.
	GPUModels []string `json:"gpu_models" yaml:"gpu_models"`
	// CPUs also pins OMP_NUM_THREADS, MKL_NUM_THREADS and GOMAXPROCS, since
	// thread count changes floating-point results (SPEC section 5).
	CPUs      int64 `json:"cpus" yaml:"cpus"`
	MemoryMiB int64 `json:"memory_mib" yaml:"memory_mib"`
	DiskMiB   int64 `json:"disk_mib" yaml:"disk_mib"`
}

// Input is a file the daemon fetches, checks against SHA256 and mounts
// read-only under GPUNET_INPUT_DIR.
type Input struct {
	// Name is the file name under the input directory; empty means the last
	// element of URI (see FileName). Normalize fills it in.
	Name   string `json:"name" yaml:"name"`
	URI    string `json:"uri" yaml:"uri"`
	SHA256 string `json:"sha256" yaml:"sha256"`
}

// Verification says how sampled segments are replayed and compared.
type Verification struct {
	// Mode is ModeExact or ModeTolerance; empty means ModeExact.
	Mode string `json:"mode" yaml:"mode"`
	// Samples is how many segments verifiers replay; at least 1 and at most
	// the number of segments.
	Samples int64 `json:"samples" yaml:"samples"`
	// Tolerance is the largest accepted relative L2 distance per tensor, as a
	// decimal string in (0, 1); set only in tolerance mode.
	Tolerance string `json:"tolerance" yaml:"tolerance"`
}

// ToleranceDec is the tolerance as a decimal; zero when unset or invalid.
func (v Verification) ToleranceDec() math.LegacyDec {
	norm, ok := normalizeDecimal(v.Tolerance)
	if !ok {
		return math.LegacyZeroDec()
	}
	d, err := math.LegacyNewDecFromStr(norm)
	if err != nil {
		return math.LegacyZeroDec()
	}
	return d
}

// FileName is the name the input gets under the input directory: Name, or
// else the last path element of URI (the CID for a bare ipfs://CID). It is
// empty when neither gives one; Validate reports that.
func (in Input) FileName() string {
	if in.Name != "" {
		return in.Name
	}
	u, err := url.Parse(in.URI)
	if err != nil {
		return ""
	}
	if p := u.Path; p != "" && p != "/" {
		base := path.Base(p)
		if base == "/" || base == "." {
			return ""
		}
		return base
	}
	if u.Scheme == "ipfs" {
		return u.Host
	}
	return ""
}

// Segments is the number of checkpoint-to-checkpoint slices verifiers can
// sample: ceil(steps / checkpoint_every), or 0 when either is not positive.
func (s *Spec) Segments() int64 {
	if s.Steps <= 0 || s.CheckpointEvery <= 0 {
		return 0
	}
	n := s.Steps / s.CheckpointEvery
	if s.Steps%s.CheckpointEvery != 0 {
		n++
	}
	return n
}
