package scheduler

import (
	"errors"
	"strconv"

	"cosmossdk.io/math"
)

// GPU is one inventory entry of a provider: Count GPUs of one model.
type GPU struct {
	Model             string
	MemoryMiB         uint64
	ComputeCapability string // "major.minor"
	Count             uint32
}

// Provider is the scheduler's view of a registered provider. Plan and
// Explain only read it.
type Provider struct {
	Address         string // unique ID; the final tie-break (ascending)
	GPUs            []GPU  // inventory by model
	FreeGPUs        uint32 // not leased
	FreeCPUs        uint64
	FreeMemoryMiB   uint64
	FreeDiskMiB     uint64
	PricePerGPUHour math.Int // ugpu
	Jailed          bool
	SlashableStake  math.Int // bonded provider stake
	VerifiedJobs    uint64   // past verified work (jobs that succeeded)
}

// Job is the scheduler's view of a pending job's resource request.
type Job struct {
	ID           uint64
	GPUs         uint32
	GPUMemoryMiB uint64
	GPUModels    []string // empty = any model; matched exactly
	CPUs         uint64
	MemoryMiB    uint64
	DiskMiB      uint64
	// MaxPricePerGPUHour is the highest price the job accepts; it applies
	// to CPU jobs too. Nil counts as zero.
	MaxPricePerGPUHour math.Int
	// MinStake is the slashable stake the provider must hold for this job's
	// value. Nil counts as zero.
	MinStake math.Int
}

// Reason names why a provider was filtered out; stable strings used in
// output. The empty Reason means feasible.
type Reason string

// Filter reasons, in the order the filters run: a provider gets the first
// one that fails.
const (
	ReasonJailed    Reason = "jailed"
	ReasonGPUs      Reason = "not enough free GPUs"
	ReasonModel     Reason = "no acceptable GPU model"
	ReasonGPUMemory Reason = "GPU memory too small"
	ReasonCPU       Reason = "not enough free CPUs"
	ReasonMemory    Reason = "not enough free memory"
	ReasonDisk      Reason = "not enough free disk"
	ReasonPrice     Reason = "price above the job's maximum"
	ReasonStake     Reason = "not enough slashable stake"
)

// Score is one scorer's points for a provider, 0..MaxPoints, before weighting.
type Score struct {
	Name  string
	Value int64
}

// Scorer names, in the order they appear in Candidate.Scores.
const (
	ScorePrice    = "price"
	ScoreStake    = "stake"
	ScoreVerified = "verified"
	ScorePacking  = "packing"
)

// Candidate is one provider's evaluation for one job. Scores and Total are
// set only when Feasible.
type Candidate struct {
	Provider string
	Feasible bool
	Reason   Reason
	Scores   []Score
	Total    int64
}

// Placement assigns a job to a provider at the provider's price.
type Placement struct {
	JobID           uint64
	Provider        string
	PricePerGPUHour math.Int
	Total           int64
}

const (
	// MaxPoints is the most points one scorer gives.
	MaxPoints = 1000
	// MaxWeight bounds each scorer weight, so that a Total fits int64 with
	// room to spare (4 scorers * 1000 points * 1e6).
	MaxWeight = 1_000_000
	// DefaultCandidateLimit is how many feasible providers Plan fully scores
	// per job (Nomad's limit iterator).
	DefaultCandidateLimit = 16
	// StakeFloor (ugpu, 1 GPU) is the MinStake the stake scorer assumes when
	// a job asks for less, so that stake still ranks providers for jobs that
	// require none.
	StakeFloor = 1_000_000
	// StakeSaturation: the stake scorer gives full points at
	// StakeSaturation * max(MinStake, StakeFloor).
	StakeSaturation = 4
	// VerifiedSaturation is the number of verified jobs that earns full
	// verified-work points.
	VerifiedSaturation = 100
)

// Options weights the scorers and bounds the work per job.
type Options struct {
	PriceWeight    int64 // cheaper relative to the job's maximum
	StakeWeight    int64 // more slashable stake relative to the job's MinStake
	VerifiedWeight int64 // more past verified jobs
	PackingWeight  int64 // best fit: fewer free GPUs (CPUs for CPU jobs) left after placement
	// CandidateLimit is how many feasible providers, in static rank order,
	// Plan fully scores per job. Explain scores every provider.
	CandidateLimit int
}

// DefaultOptions favours price, then packing and stake, then verified work.
func DefaultOptions() Options {
	return Options{
		PriceWeight:    4,
		StakeWeight:    2,
		VerifiedWeight: 1,
		PackingWeight:  3,
		CandidateLimit: DefaultCandidateLimit,
	}
}

// Validate reports the first invalid field.
func (o Options) Validate() error {
	for _, w := range []struct {
		name string
		v    int64
	}{
		{"price", o.PriceWeight}, {"stake", o.StakeWeight},
		{"verified", o.VerifiedWeight}, {"packing", o.PackingWeight},
	} {
		if w.v < 0 || w.v > MaxWeight {
			return errors.New("scheduler: " + w.name + " weight " + strconv.FormatInt(w.v, 10) +
				" out of range [0, " + strconv.Itoa(MaxWeight) + "]")
		}
	}
	if o.CandidateLimit < 1 {
		return errors.New("scheduler: candidate limit " + strconv.Itoa(o.CandidateLimit) + " must be at least 1")
	}
	return nil
}

// normalized makes any Options usable, so that Plan never fails inside
// consensus: weights are clamped to [0, MaxWeight] and a CandidateLimit
// below 1 becomes DefaultCandidateLimit. Valid options are unchanged.
func (o Options) normalized() Options {
	clamp := func(w int64) int64 { return min(max(w, 0), MaxWeight) }
	o.PriceWeight = clamp(o.PriceWeight)
	o.StakeWeight = clamp(o.StakeWeight)
	o.VerifiedWeight = clamp(o.VerifiedWeight)
	o.PackingWeight = clamp(o.PackingWeight)
	if o.CandidateLimit < 1 {
		o.CandidateLimit = DefaultCandidateLimit
	}
	return o
}
