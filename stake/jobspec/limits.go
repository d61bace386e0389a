package jobspec

import "time"

// MaxSpecBytes bounds a spec as submitted and as stored on chain: the chain
// keeps every spec in state, so its size is part of the fee model.
const MaxSpecBytes = 16 * 1024

// Denom is the chain's base denomination; 1 gpu = UGPUPerGPU ugpu.
const (
	Denom      = "ugpu"
	UGPUPerGPU = 1_000_000
)

// Verification modes (SPEC section 4): exact compares checkpoint bytes,
// tolerance compares tensors within Verification.Tolerance.
const (
	ModeExact     = "exact"
	ModeTolerance = "tolerance"
)

// Bounds checked by Validate. They are part of consensus: changing one
// changes which specs the chain accepts.
const (
	MaxNameLen      = 63 // a DNS label, so the name fits container and host names
	MaxImageLen     = 512
	MaxCommandArgs  = 256
	MaxArgBytes     = 4096
	MaxEnvVars      = 128
	MaxEnvKeyLen    = 128
	MaxEnvValueLen  = 4096
	MaxGPUs         = 64
	MaxGPUMemoryMiB = 1 << 20 // 1 TiB per GPU
	MaxGPUModels    = 16
	MaxGPUModelLen  = 64
	MinCPUs         = 1
	MaxCPUs         = 256
	MinMemoryMiB    = 64
	MaxMemoryMiB    = 4 << 20  // 4 TiB
	MaxDiskMiB      = 16 << 20 // 16 TiB
	// MaxSteps keeps checkpoint names within step-<8 digits>.safetensors.
	MaxSteps    = 99_999_999
	MaxSegments = 10_000
	MaxInputs   = 64
	MaxURILen   = 2048
	// MaxInputNameLen is a file-name component limit on every common file system.
	MaxInputNameLen = 255
	// MaxToleranceDecimals is math.LegacyDec's precision.
	MaxToleranceDecimals = 18
	// MaxDuration bounds how long escrow can stay locked by one lease.
	MaxDuration = 30 * 24 * time.Hour
	// MaxAmountDigits bounds amounts to below 10^30 ugpu so cost products stay
	// far inside math.Int's 256 bits.
	MaxAmountDigits = 30
)
