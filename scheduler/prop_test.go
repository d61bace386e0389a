package scheduler

import (
	"math/big"
	"reflect"
	"strconv"
	"testing"

	"cosmossdk.io/math"
	"pgregory.net/rapid"
)

var propModels = []string{"A100", "H100", "L4"}

func genAmount(t *rapid.T, label string, hi int64) math.Int {
	v := math.NewInt(rapid.Int64Range(0, hi).Draw(t, label))
	if rapid.IntRange(0, 19).Draw(t, label+"Huge") == 0 { // exercise the big.Int path
		v = v.Add(math.NewIntFromBigInt(new(big.Int).Lsh(big.NewInt(1), 70)))
	}
	return v
}

func genProvidersProp(t *rapid.T) []Provider {
	n := rapid.IntRange(0, 12).Draw(t, "providers")
	ps := make([]Provider, n)
	for i := range ps {
		p := Provider{
			Address:         "p" + strconv.Itoa(i),
			FreeCPUs:        rapid.Uint64Range(0, 16).Draw(t, "cpus"),
			FreeMemoryMiB:   rapid.Uint64Range(0, 64).Draw(t, "mem"),
			FreeDiskMiB:     rapid.Uint64Range(0, 64).Draw(t, "disk"),
			PricePerGPUHour: genAmount(t, "price", 10),
			Jailed:          rapid.IntRange(0, 9).Draw(t, "jailed") == 0,
			SlashableStake:  genAmount(t, "stake", 8_000_000),
			VerifiedJobs:    rapid.Uint64Range(0, 200).Draw(t, "verified"),
		}
		var total uint32
		for range rapid.IntRange(0, 3).Draw(t, "entries") {
			c := rapid.Uint32Range(0, 8).Draw(t, "count")
			p.GPUs = append(p.GPUs, GPU{
				Model:     rapid.SampledFrom(propModels).Draw(t, "model"),
				MemoryMiB: rapid.SampledFrom([]uint64{16, 40, 80}).Draw(t, "gpuMem"),
				Count:     c,
			})
			total += c
		}
		p.FreeGPUs = rapid.Uint32Range(0, total).Draw(t, "freeGPUs")
		ps[i] = p
	}
	return ps
}

func genJobsProp(t *rapid.T) []Job {
	n := rapid.IntRange(0, 25).Draw(t, "jobs")
	js := make([]Job, n)
	for i := range js {
		j := Job{
			ID:                 uint64(i + 1),
			CPUs:               rapid.Uint64Range(0, 8).Draw(t, "jcpus"),
			MemoryMiB:          rapid.Uint64Range(0, 32).Draw(t, "jmem"),
			DiskMiB:            rapid.Uint64Range(0, 32).Draw(t, "jdisk"),
			MaxPricePerGPUHour: genAmount(t, "max", 12),
			MinStake:           genAmount(t, "minStake", 6_000_000),
		}
		if rapid.Bool().Draw(t, "gpuJob") {
			j.GPUs = rapid.Uint32Range(1, 8).Draw(t, "jgpus")
			j.GPUMemoryMiB = rapid.SampledFrom([]uint64{0, 16, 40, 80}).Draw(t, "jgpuMem")
			if rapid.IntRange(0, 3).Draw(t, "filter") == 0 {
				j.GPUModels = rapid.SliceOfN(rapid.SampledFrom(append(propModels, "B200")), 1, 3).Draw(t, "jmodels")
			}
		}
		js[i] = j
	}
	return js
}

func genOpts(t *rapid.T) Options {
	return Options{
		PriceWeight:    rapid.Int64Range(0, 5).Draw(t, "wPrice"),
		StakeWeight:    rapid.Int64Range(0, 5).Draw(t, "wStake"),
		VerifiedWeight: rapid.Int64Range(0, 5).Draw(t, "wVerified"),
		PackingWeight:  rapid.Int64Range(0, 5).Draw(t, "wPacking"),
		CandidateLimit: rapid.IntRange(1, 20).Draw(t, "limit"),
	}
}

func cloneProviders(ps []Provider) []Provider {
	out := make([]Provider, len(ps))
	for i, p := range ps {
		p.GPUs = append([]GPU(nil), p.GPUs...)
		p.PricePerGPUHour = math.NewIntFromBigInt(p.PricePerGPUHour.BigInt())
		p.SlashableStake = math.NewIntFromBigInt(p.SlashableStake.BigInt())
		out[i] = p
	}
	return out
}

func cloneJobs(js []Job) []Job {
	out := make([]Job, len(js))
	for i, j := range js {
		j.GPUModels = append([]string(nil), j.GPUModels...)
		out[i] = j
	}
	return out
}

// Same input, same output: twice, and with the providers in another order;
// and Plan never mutates its inputs.
func TestPropDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ps, js, o := genProvidersProp(t), genJobsProp(t), genOpts(t)
		budget := rapid.IntRange(0, 30).Draw(t, "budget")
		ps0, js0 := cloneProviders(ps), cloneJobs(js)
		a := Plan(js, ps, budget, o)
		if !reflect.DeepEqual(ps, ps0) || !reflect.DeepEqual(js, js0) {
			t.Fatal("Plan mutated its inputs")
		}
		if b := Plan(js, ps, budget, o); !reflect.DeepEqual(a, b) {
			t.Fatalf("two runs differ:\n%+v\n%+v", a, b)
		}
		shuffled := rapid.Permutation(ps).Draw(t, "shuffled")
		if c := Plan(js, shuffled, budget, o); !reflect.DeepEqual(a, c) {
			t.Fatalf("provider order changed the plan:\n%+v\n%+v", a, c)
		}
		if len(js) > 0 {
			e1 := Explain(js[0], ps, o)
			if e2 := Explain(js[0], shuffled, o); !reflect.DeepEqual(e1, e2) {
				t.Fatalf("provider order changed Explain:\n%+v\n%+v", e1, e2)
			}
			if !reflect.DeepEqual(ps, ps0) {
				t.Fatal("Explain mutated its inputs")
			}
		}
	})
}

// Replays a plan against Explain: every placement is feasible at its turn
// (so nothing is over-allocated), a job skipped while budget remained fits
// no provider at its turn, and with a CandidateLimit covering every
// provider Plan picks Explain's first candidate.
func TestPropReplay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ps, js, o := genProvidersProp(t), genJobsProp(t), genOpts(t)
		full := rapid.Bool().Draw(t, "fullLimit")
		if full {
			o.CandidateLimit = len(ps) + 1
		}
		budget := rapid.IntRange(0, 30).Draw(t, "budget")
		plan := Plan(js, ps, budget, o)
		if len(plan) > max(budget, 0) {
			t.Fatalf("%d placements over budget %d", len(plan), budget)
		}
		state := cloneProviders(ps)
		byAddr := map[string]int{}
		for i, p := range state {
			byAddr[p.Address] = i
		}
		used := make([][4]uint64, len(ps))
		k := 0
		for _, j := range js {
			if k >= budget {
				break
			}
			ex := Explain(j, state, o)
			if k < len(plan) && plan[k].JobID == j.ID {
				pl := plan[k]
				k++
				i, ok := byAddr[pl.Provider]
				if !ok {
					t.Fatalf("placement on unknown provider %+v", pl)
				}
				var c Candidate
				for _, x := range ex {
					if x.Provider == pl.Provider {
						c = x
					}
				}
				if !c.Feasible || c.Total != pl.Total {
					t.Fatalf("job %d placed on %s: Explain says %+v", j.ID, pl.Provider, c)
				}
				if full && ex[0].Provider != pl.Provider {
					t.Fatalf("job %d: Plan picked %s, Explain ranks %s first", j.ID, pl.Provider, ex[0].Provider)
				}
				if !pl.PricePerGPUHour.Equal(ps[i].PricePerGPUHour) {
					t.Fatalf("placement price %s, provider price %s", pl.PricePerGPUHour, ps[i].PricePerGPUHour)
				}
				s := &state[i]
				s.FreeGPUs -= j.GPUs
				s.FreeCPUs -= j.CPUs
				s.FreeMemoryMiB -= j.MemoryMiB
				s.FreeDiskMiB -= j.DiskMiB
				used[i][0] += uint64(j.GPUs)
				used[i][1] += j.CPUs
				used[i][2] += j.MemoryMiB
				used[i][3] += j.DiskMiB
				continue
			}
			if len(ex) > 0 && ex[0].Feasible {
				t.Fatalf("job %d skipped but %s fits it: %+v", j.ID, ex[0].Provider, ex[0])
			}
		}
		if k != len(plan) {
			t.Fatalf("placements out of job order or unknown jobs: matched %d of %+v", k, plan)
		}
		for i, p := range ps {
			u := used[i]
			if u[0] > uint64(p.FreeGPUs) || u[1] > p.FreeCPUs || u[2] > p.FreeMemoryMiB || u[3] > p.FreeDiskMiB {
				t.Fatalf("provider %s over-allocated: used %v of %+v", p.Address, u, p)
			}
		}
	})
}
