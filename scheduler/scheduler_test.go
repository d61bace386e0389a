package scheduler

import (
	"math/big"
	"testing"

	"cosmossdk.io/math"
)

func baseProvider(addr string) Provider {
	return Provider{
		Address:         addr,
		GPUs:            []GPU{{Model: "A100", MemoryMiB: 40960, ComputeCapability: "8.0", Count: 4}, {Model: "H100", MemoryMiB: 81920, ComputeCapability: "9.0", Count: 2}},
		FreeGPUs:        6,
		FreeCPUs:        32,
		FreeMemoryMiB:   65536,
		FreeDiskMiB:     100000,
		PricePerGPUHour: math.NewInt(1_000_000),
		SlashableStake:  math.NewInt(10_000_000),
		VerifiedJobs:    50,
	}
}

func baseJob() Job {
	return Job{
		ID: 1, GPUs: 2, GPUMemoryMiB: 40960, CPUs: 4, MemoryMiB: 8192, DiskMiB: 1000,
		MaxPricePerGPUHour: math.NewInt(2_000_000), MinStake: math.NewInt(5_000_000),
	}
}

func TestFilterReasons(t *testing.T) {
	tests := []struct {
		name string
		prov func(*Provider)
		job  func(*Job)
		want Reason
	}{
		{"feasible", nil, nil, ""},
		{"jailed", func(p *Provider) { p.Jailed = true }, nil, ReasonJailed},
		{"free GPUs", func(p *Provider) { p.FreeGPUs = 1 }, nil, ReasonGPUs},
		{"no entry with enough GPUs", nil, func(j *Job) { j.GPUs = 5; j.GPUMemoryMiB = 0 }, ReasonGPUs},
		{"model", nil, func(j *Job) { j.GPUModels = []string{"L4"} }, ReasonModel},
		{"model unknown to every provider", nil, func(j *Job) { j.GPUModels = []string{"B200"} }, ReasonModel},
		{"model accepted", nil, func(j *Job) { j.GPUModels = []string{"L4", "H100"} }, ""},
		{"GPU memory", nil, func(j *Job) { j.GPUMemoryMiB = 100000 }, ReasonGPUMemory},
		{"memory of the acceptable model", nil, func(j *Job) { j.GPUModels = []string{"A100"}; j.GPUMemoryMiB = 81920 }, ReasonGPUMemory},
		{"count of the entry with enough memory", nil, func(j *Job) { j.GPUs = 3; j.GPUMemoryMiB = 81920 }, ReasonGPUs},
		{"CPU", func(p *Provider) { p.FreeCPUs = 3 }, nil, ReasonCPU},
		{"memory", func(p *Provider) { p.FreeMemoryMiB = 8191 }, nil, ReasonMemory},
		{"disk", func(p *Provider) { p.FreeDiskMiB = 999 }, nil, ReasonDisk},
		{"price", func(p *Provider) { p.PricePerGPUHour = math.NewInt(2_000_001) }, nil, ReasonPrice},
		{"price equal to max", func(p *Provider) { p.PricePerGPUHour = math.NewInt(2_000_000) }, nil, ""},
		{"stake", func(p *Provider) { p.SlashableStake = math.NewInt(4_999_999) }, nil, ReasonStake},
		{"nil stake is zero", func(p *Provider) { p.SlashableStake = math.Int{} }, nil, ReasonStake},
		{"CPU job skips GPU filters", func(p *Provider) { p.GPUs = nil; p.FreeGPUs = 0 }, func(j *Job) { j.GPUs = 0; j.GPUModels = []string{"L4"}; j.GPUMemoryMiB = 1 << 40 }, ""},
		{"GPU job on a CPU provider", func(p *Provider) { p.GPUs = nil; p.FreeGPUs = 0 }, nil, ReasonGPUs},
		{"jailed first", func(p *Provider) { p.Jailed = true; p.FreeCPUs = 0 }, nil, ReasonJailed},
		{"huge price", func(p *Provider) { p.PricePerGPUHour = math.NewIntFromBigInt(new(big.Int).Lsh(big.NewInt(1), 100)) }, nil, ReasonPrice},
		{"huge max price", nil, func(j *Job) { j.MaxPricePerGPUHour = math.NewIntFromBigInt(new(big.Int).Lsh(big.NewInt(1), 200)) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, j := baseProvider("a"), baseJob()
			if tc.prov != nil {
				tc.prov(&p)
			}
			if tc.job != nil {
				tc.job(&j)
			}
			c := Explain(j, []Provider{p}, DefaultOptions())
			if len(c) != 1 || c[0].Reason != tc.want || c[0].Feasible != (tc.want == "") {
				t.Fatalf("Explain = %+v, want reason %q", c, tc.want)
			}
			placed := Plan([]Job{j}, []Provider{p}, 1, DefaultOptions())
			if (len(placed) == 1) != (tc.want == "") {
				t.Fatalf("Plan = %+v, want placed %v", placed, tc.want == "")
			}
		})
	}
}

func scoreOf(t *testing.T, c Candidate, name string) int64 {
	t.Helper()
	for _, s := range c.Scores {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("no score %q in %+v", name, c)
	return 0
}

func TestScorers(t *testing.T) {
	big2 := math.NewIntFromBigInt(new(big.Int).Lsh(big.NewInt(1), 150))
	tests := []struct {
		name  string
		score string
		prov  func(*Provider)
		job   func(*Job)
		want  int64
	}{
		{"price half", ScorePrice, nil, nil, 500},
		{"price free", ScorePrice, func(p *Provider) { p.PricePerGPUHour = math.ZeroInt() }, nil, 1000},
		{"price at max", ScorePrice, func(p *Provider) { p.PricePerGPUHour = math.NewInt(2_000_000) }, nil, 0},
		{"price rounds down", ScorePrice, func(p *Provider) { p.PricePerGPUHour = math.NewInt(1) }, func(j *Job) { j.MaxPricePerGPUHour = math.NewInt(3) }, 666},
		{"price max zero", ScorePrice, func(p *Provider) { p.PricePerGPUHour = math.ZeroInt() }, func(j *Job) { j.MaxPricePerGPUHour = math.Int{} }, 1000},
		{"price huge max", ScorePrice, nil, func(j *Job) { j.MaxPricePerGPUHour = big2 }, 999},
		{"stake at 2x min", ScoreStake, nil, nil, 500},
		{"stake saturates", ScoreStake, func(p *Provider) { p.SlashableStake = big2 }, nil, 1000},
		{"stake floor when min is zero", ScoreStake, func(p *Provider) { p.SlashableStake = math.NewInt(1_000_000) }, func(j *Job) { j.MinStake = math.Int{} }, 250},
		{"stake zero", ScoreStake, func(p *Provider) { p.SlashableStake = math.ZeroInt() }, func(j *Job) { j.MinStake = math.ZeroInt() }, 0},
		{"verified", ScoreVerified, nil, nil, 500},
		{"verified saturates", ScoreVerified, func(p *Provider) { p.VerifiedJobs = 1 << 60 }, nil, 1000},
		{"verified none", ScoreVerified, func(p *Provider) { p.VerifiedJobs = 0 }, nil, 0},
		{"packing GPUs", ScorePacking, nil, nil, 333},                                           // 6 GPUs, 2 taken: 1000*2/6
		{"packing full", ScorePacking, func(p *Provider) { p.FreeGPUs = 2 }, nil, 1000},         // nothing left
		{"packing partly leased", ScorePacking, func(p *Provider) { p.FreeGPUs = 4 }, nil, 666}, // 2 left of 6
		{"packing CPU job", ScorePacking, nil, func(j *Job) { j.GPUs = 0 }, 125},                // 4 of 32 CPUs
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, j := baseProvider("a"), baseJob()
			if tc.prov != nil {
				tc.prov(&p)
			}
			if tc.job != nil {
				tc.job(&j)
			}
			c := Explain(j, []Provider{p}, DefaultOptions())[0]
			if !c.Feasible {
				t.Fatalf("not feasible: %s", c.Reason)
			}
			if got := scoreOf(t, c, tc.score); got != tc.want {
				t.Fatalf("%s = %d, want %d (%+v)", tc.score, got, tc.want, c.Scores)
			}
			o := DefaultOptions()
			want := o.PriceWeight*scoreOf(t, c, ScorePrice) + o.StakeWeight*scoreOf(t, c, ScoreStake) +
				o.VerifiedWeight*scoreOf(t, c, ScoreVerified) + o.PackingWeight*scoreOf(t, c, ScorePacking)
			if c.Total != want {
				t.Fatalf("Total = %d, want weighted sum %d", c.Total, want)
			}
		})
	}
}

func TestTieBreak(t *testing.T) {
	ps := []Provider{baseProvider("c"), baseProvider("a"), baseProvider("b")}
	got := Plan([]Job{baseJob()}, ps, 1, DefaultOptions())
	if len(got) != 1 || got[0].Provider != "a" {
		t.Fatalf("Plan = %+v, want provider a (equal Total, lowest address)", got)
	}
	// The second job fits the fuller provider better (packing): a again.
	got = Plan([]Job{baseJob(), baseJob()}, ps, 2, DefaultOptions())
	if len(got) != 2 || got[1].Provider != "a" {
		t.Fatalf("Plan = %+v, want a twice (best fit)", got)
	}
}

func TestExplainOrdering(t *testing.T) {
	cheap := baseProvider("z-cheap")
	cheap.PricePerGPUHour = math.NewInt(100)
	jailed := baseProvider("a-jailed")
	jailed.Jailed = true
	poor := baseProvider("b-poor")
	poor.FreeCPUs = 0
	ps := []Provider{poor, baseProvider("m"), jailed, cheap, baseProvider("d")}
	got := Explain(baseJob(), ps, DefaultOptions())
	wantOrder := []string{"z-cheap", "d", "m", "a-jailed", "b-poor"}
	wantReason := []Reason{"", "", "", ReasonJailed, ReasonCPU}
	for i, c := range got {
		if c.Provider != wantOrder[i] || c.Reason != wantReason[i] {
			t.Fatalf("Explain[%d] = %+v, want %s %q; all: %+v", i, c, wantOrder[i], wantReason[i], got)
		}
		if c.Feasible != (len(c.Scores) == 4) || (!c.Feasible && c.Total != 0) {
			t.Fatalf("Explain[%d] scores inconsistent: %+v", i, c)
		}
	}
	if got[0].Total <= got[1].Total || got[1].Total != got[2].Total {
		t.Fatalf("totals not ordered: %+v", got)
	}
}

func TestPlanBudgetAndSkip(t *testing.T) {
	p := baseProvider("a") // 6 GPUs
	jobs := []Job{baseJob(), baseJob(), baseJob(), baseJob()}
	big := baseJob()
	big.GPUs = 8
	jobs = append([]Job{big}, jobs...)
	for i := range jobs {
		jobs[i].ID = uint64(10 + i)
	}
	got := Plan(jobs, []Provider{p}, 10, DefaultOptions())
	// The 8-GPU job fits nowhere; then 3 jobs of 2 GPUs fill the 6.
	if len(got) != 3 || got[0].JobID != 11 || got[2].JobID != 13 {
		t.Fatalf("Plan = %+v", got)
	}
	if got := Plan(jobs, []Provider{p}, 2, DefaultOptions()); len(got) != 2 {
		t.Fatalf("budget 2: %+v", got)
	}
	if got := Plan(jobs, []Provider{p}, 0, DefaultOptions()); len(got) != 0 {
		t.Fatalf("budget 0: %+v", got)
	}
	if !got[0].PricePerGPUHour.Equal(p.PricePerGPUHour) || got[0].Total == 0 {
		t.Fatalf("placement price/total: %+v", got[0])
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{
		{PriceWeight: -1, CandidateLimit: 1},
		{StakeWeight: MaxWeight + 1, CandidateLimit: 1},
		{VerifiedWeight: -5, CandidateLimit: 1},
		{PackingWeight: -5, CandidateLimit: 1},
		{PriceWeight: 1},
	} {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", o)
		}
	}
	// Invalid options still plan (normalized), never panic.
	if got := Plan([]Job{baseJob()}, []Provider{baseProvider("a")}, 1, Options{PriceWeight: -7}); len(got) != 1 {
		t.Fatalf("Plan with invalid options = %+v", got)
	}
}

func TestLevels(t *testing.T) {
	lv := levels(40)
	want := []uint64{0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32}
	if len(lv) != len(want) {
		t.Fatalf("levels(40) = %v", lv)
	}
	for i := range want {
		if lv[i] != want[i] {
			t.Fatalf("levels(40) = %v", lv)
		}
	}
	for v, wi := range map[uint64]int{0: 0, 1: 1, 5: 4, 7: 5, 40: 10, 1 << 50: 10} {
		if got := levelIndex(lv, v); got != wi {
			t.Errorf("levelIndex(%d) = %d, want %d", v, got, wi)
		}
	}
	if lv := levels(^uint64(0)); lv[len(lv)-1] != 3<<62 || lv[len(lv)-2] != 1<<63 {
		t.Fatalf("levels(max) ends at %d", lv[len(lv)-1])
	}
}
