package scheduler

import (
	"strconv"
	"testing"

	"cosmossdk.io/math"
)

// lcg is a 64-bit linear congruential generator (Knuth's MMIX constants):
// deterministic test data without math/rand.
type lcg uint64

func (l *lcg) next() uint64 {
	*l = *l*6364136223846793005 + 1442695040888963407
	return uint64(*l >> 33)
}

// n returns a value in [0, k).
func (l *lcg) n(k uint64) uint64 { return l.next() % k }

var benchModels = []struct {
	name string
	mem  uint64
	cc   string
}{
	{"A100-40GB", 40960, "8.0"}, {"A100-80GB", 81920, "8.0"}, {"H100-80GB", 81920, "9.0"},
	{"L4", 24576, "8.9"}, {"RTX-4090", 24576, "8.9"}, {"T4", 16384, "7.5"},
}

// genProviders: 15% CPU-only, the rest one or two GPU models with 1-8 GPUs
// each; prices 0.5-4 GPU/hour, stakes 0-100 GPU, 2% jailed.
func genProviders(count int, seed uint64) []Provider {
	l := lcg(seed)
	out := make([]Provider, count)
	for i := range out {
		p := Provider{
			Address:         "gpu1" + strconv.FormatUint(l.next(), 36) + "x" + strconv.Itoa(i),
			FreeCPUs:        8 * (1 + l.n(16)),
			FreeMemoryMiB:   32768 * (1 + l.n(32)),
			FreeDiskMiB:     102400 * (1 + l.n(40)),
			PricePerGPUHour: math.NewIntFromUint64(500_000 + 10_000*l.n(351)),
			Jailed:          l.n(50) == 0,
			SlashableStake:  math.NewIntFromUint64(1_000_000 * l.n(101)),
			VerifiedJobs:    l.n(300),
		}
		if l.n(100) >= 15 {
			for e := uint64(0); e < 1+l.n(2); e++ {
				m := benchModels[l.n(uint64(len(benchModels)))]
				c := []uint32{1, 2, 4, 8}[l.n(4)]
				p.GPUs = append(p.GPUs, GPU{Model: m.name, MemoryMiB: m.mem, ComputeCapability: m.cc, Count: c})
				p.FreeGPUs += c
			}
		}
		out[i] = p
	}
	return out
}

// genJobs: 30% CPU jobs, the rest 1-8 GPUs; ~10% with a model filter,
// ~10% with a tight price (0.5-0.7 GPU/hour), some asking for stake.
func genJobs(count int, seed uint64) []Job {
	l := lcg(seed)
	out := make([]Job, count)
	for i := range out {
		j := Job{
			ID:                 uint64(i + 1),
			CPUs:               1 + l.n(8),
			MemoryMiB:          1024 * (1 + l.n(32)),
			DiskMiB:            1024 * (1 + l.n(100)),
			MaxPricePerGPUHour: math.NewInt(5_000_000),
			MinStake:           math.NewIntFromUint64(1_000_000 * l.n(20)),
		}
		if l.n(10) == 0 {
			j.MaxPricePerGPUHour = math.NewIntFromUint64(500_000 + 10_000*l.n(21))
		}
		if l.n(10) >= 3 {
			j.GPUs = []uint32{1, 1, 1, 1, 2, 2, 4, 8}[l.n(8)]
			j.GPUMemoryMiB = []uint64{0, 0, 16384, 24576, 40960, 81920}[l.n(6)]
			if l.n(10) == 0 {
				j.GPUModels = []string{benchModels[l.n(uint64(len(benchModels)))].name}
				if l.n(2) == 0 {
					j.GPUModels = append(j.GPUModels, benchModels[l.n(uint64(len(benchModels)))].name)
				}
			}
		}
		out[i] = j
	}
	return out
}

func BenchmarkPlan(b *testing.B) {
	providers := genProviders(10_000, 1)
	jobs := genJobs(100_000, 2)
	opts := DefaultOptions()
	b.ResetTimer()
	placed := 0
	for b.Loop() {
		placed += len(Plan(jobs, providers, len(jobs), opts))
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(placed)/sec, "placements/s")
	b.ReportMetric(float64(b.N*len(jobs))/sec, "jobs/s")
	b.ReportMetric(float64(placed)/float64(b.N), "placements/op")
}

func BenchmarkExplain(b *testing.B) {
	providers := genProviders(10_000, 1)
	job := genJobs(1, 3)[0]
	opts := DefaultOptions()
	for b.Loop() {
		Explain(job, providers, opts)
	}
}
