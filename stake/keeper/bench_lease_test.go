package keeper_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/scheduler"
	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/keeper"
	"github.com/gpunet/gpunet/stake/types"
)

const evJobLeased = "gpunet.stake.v1.EventJobLeased"

// benchRand is a 64-bit linear congruential generator (Knuth's MMIX
// constants), as in the scheduler's benchmark: deterministic load without
// math/rand.
type benchRand uint64

func (l *benchRand) n(k uint64) uint64 {
	*l = *l*6364136223846793005 + 1442695040888963407
	return uint64(*l>>33) % k
}

var loadModels = []types.GPU{
	{Model: "A100-40GB", MemoryMib: 40960, ComputeCapability: "8.0"},
	{Model: "A100-80GB", MemoryMib: 81920, ComputeCapability: "8.0"},
	{Model: "H100-80GB", MemoryMib: 81920, ComputeCapability: "9.0"},
	{Model: "L4", MemoryMib: 24576, ComputeCapability: "8.9"},
	{Model: "RTX-4090", MemoryMib: 24576, ComputeCapability: "8.9"},
	{Model: "T4", MemoryMib: 16384, ComputeCapability: "7.5"},
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// loadPeerID is a distinct libp2p-shaped peer ID for provider i:
// "12D3KooW" and i in base58, padded to 44 digits.
func loadPeerID(i int) string {
	digits := []byte(strings.Repeat("1", 44))
	for p, v := len(digits)-1, i; v > 0; p, v = p-1, v/58 {
		digits[p] = base58Alphabet[v%58]
	}
	return "12D3KooW" + string(digits)
}

// loadProviders: 15% CPU-only, the rest one or two GPU models with 1-8 GPUs
// each; 8-128 CPUs; prices 0.5-4 GPU/hour; 1000-5000 GPU of provider stake
// (3% below default params' 1000 GPU minimum); 2% jailed.
func loadProviders(tb testing.TB, count int, bech func(sdk.AccAddress) string) ([]types.Provider, []types.Stake) {
	tb.Helper()
	l := benchRand(1)
	providers := make([]types.Provider, count)
	stakes := make([]types.Stake, count)
	for i := range providers {
		addr := bech(testAddress(fmt.Sprintf("load-provider-%d", i)))
		p := types.Provider{
			Address:          addr,
			PeerId:           loadPeerID(i),
			PricePerGpuHour:  math.NewIntFromUint64(500_000 + 10_000*l.n(351)),
			Cpus:             8 * (1 + l.n(16)),
			MemoryMib:        32768 * (1 + l.n(32)),
			DiskMib:          102400 * (1 + l.n(40)),
			Status:           types.PROVIDER_STATUS_ACTIVE,
			RegisteredHeight: 1,
			JobsSucceeded:    l.n(300),
		}
		p.FreeCpus, p.FreeMemoryMib, p.FreeDiskMib = p.Cpus, p.MemoryMib, p.DiskMib
		if l.n(50) == 0 {
			p.Status, p.JailedUntil = types.PROVIDER_STATUS_JAILED, 1<<40
		}
		if l.n(100) >= 15 {
			for e := uint64(0); e < 1+l.n(2); e++ {
				g := loadModels[l.n(uint64(len(loadModels)))]
				if len(p.Gpus) == 1 && p.Gpus[0].Model == g.Model {
					continue
				}
				g.Count = []uint32{1, 2, 4, 8}[l.n(4)]
				p.Gpus = append(p.Gpus, g)
				p.FreeGpus += g.Count
			}
		}
		stake := int64(1000+10*l.n(401)) * gpu
		if l.n(100) < 3 {
			stake = 500 * gpu
		}
		providers[i] = p
		stakes[i] = types.Stake{Address: addr, Role: types.ROLE_PROVIDER, Amount: math.NewInt(stake)}
	}
	return providers, stakes
}

// loadSpecs is a pool of distinct canonical specs: 80% CPU jobs (1-8 CPUs),
// the rest 1-8 GPUs, some with a GPU memory floor or a model filter, some
// with a deposit large enough to ask for more than the minimum stake.
func loadSpecs(tb testing.TB, count int) []loadSpec {
	tb.Helper()
	l := benchRand(2)
	out := make([]loadSpec, count)
	for i := range out {
		res := fmt.Sprintf("{gpus: 0, cpus: %d, memory_mib: %d, disk_mib: %d}", 1+l.n(8), 1024*(1+l.n(32)), 1024*(1+l.n(100)))
		deposit := 10 * (1 + l.n(10))
		if l.n(10) < 2 {
			gpus := []uint64{1, 1, 1, 1, 2, 2, 4, 8}[l.n(8)]
			mem := []uint64{0, 0, 16384, 24576, 40960, 81920}[l.n(6)]
			models := ""
			if l.n(10) == 0 {
				models = fmt.Sprintf(", gpu_models: [%s]", loadModels[l.n(uint64(len(loadModels)))].Model)
			}
			res = fmt.Sprintf("{gpus: %d, gpu_memory_mib: %d%s, cpus: %d, memory_mib: %d, disk_mib: %d}", gpus, mem, models, 1+l.n(8), 1024*(1+l.n(32)), 1024*(1+l.n(100)))
			deposit = 100 * (1 + l.n(60)) // up to 6000 GPU: min stake up to 3000 GPU
		}
		s, err := jobspec.ParseYAML(fmt.Appendf(nil, `name: load-%d
image: sha256:%064x
command: [/trainer]
resources: %s
steps: 1000
checkpoint_every: 100
verification: {mode: exact, samples: 2}
max_price_per_gpu_hour: %dgpu
deposit: %dgpu
max_duration: 2h
`, i, i+1, res, 1+l.n(5), deposit))
		if err != nil {
			tb.Fatal(err)
		}
		c, err := s.Canonical()
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = loadSpec{spec: string(c), deposit: math.NewInt(int64(deposit) * gpu)}
	}
	return out
}

type loadSpec struct {
	spec    string
	deposit math.Int
}

// loadFixture starts a chain whose genesis holds providers registered
// providers with bonded stake and jobs PENDING jobs (escrow = deposit),
// the module account funded with exactly bonded + escrow. The genesis block
// is committed (its EndBlocker already placed the first
// max_placements_per_block jobs); f.ctx is the next block's.
func loadFixture(tb testing.TB, providers, jobs int) (*fixture, []loadSpec) {
	tb.Helper()
	enc := app.MakeEncodingConfig()
	cdc, ac := enc.Codec, enc.AddressCodec
	bech := func(a sdk.AccAddress) string {
		s, err := ac.BytesToString(a)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	state := defaultAppState(tb, cdc, ac)
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(state[types.ModuleName], &gs)
	gs.Params = types.DefaultParams()
	gs.Providers, gs.Stakes = loadProviders(tb, providers, bech)
	held := math.ZeroInt()
	for _, s := range gs.Stakes {
		held = held.Add(s.Amount)
	}
	specs := loadSpecs(tb, 256)
	clients := make([]string, 100)
	for i := range clients {
		clients[i] = bech(testAddress(fmt.Sprintf("load-client-%d", i)))
	}
	l := benchRand(3)
	gs.Jobs = make([]types.Job, jobs)
	for i := range gs.Jobs {
		s := specs[l.n(uint64(len(specs)))]
		id := uint64(i + 1)
		gs.Jobs[i] = types.Job{
			Id: id, Client: clients[i%len(clients)], Spec: s.spec, Escrow: s.deposit,
			Status: types.JOB_STATUS_PENDING, CreatedHeight: 1, UpdatedHeight: 1, Seed: id,
			Paid: math.ZeroInt(), Owed: math.ZeroInt(),
			History: []types.Transition{{Status: types.JOB_STATUS_PENDING, Height: 1, Time: genesisTime, Note: "submitted"}},
		}
		held = held.Add(s.deposit)
	}
	gs.NextJobId = uint64(jobs + 1)
	state[types.ModuleName] = cdc.MustMarshalJSON(&gs)

	var bank banktypes.GenesisState
	cdc.MustUnmarshalJSON(state[banktypes.ModuleName], &bank)
	bank.Balances = banktypes.SanitizeGenesisBalances(append(bank.Balances,
		banktypes.Balance{Address: bech(authtypes.NewModuleAddress(types.ModuleName)), Coins: types.Coins(held)}))
	bank.Supply = bank.Supply.Add(types.Coins(held)...)
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bank)
	return newFixtureWithState(tb, state, 1, genesisTime), specs
}

// leased counts the placements among ctx's events.
func leased(ctx sdk.Context) int {
	n := 0
	for _, ev := range ctx.EventManager().Events() {
		if ev.Type == evJobLeased {
			n++
		}
	}
	return n
}

// BenchmarkEndBlockerAtLoad is one block's EndBlocker on a chain holding
// 10,000 providers and 100,000 pending jobs, at the default params'
// max_placements_per_block (100). Each iteration runs k.EndBlocker on a
// fresh cache branch of the same committed state, so every block sees the
// same queue; FinalizeBlock and Commit are left out (the test app also
// checks its invariant after every block, a walk of all 100,000 jobs that a
// production node does not do). Baseline in the same run: the same
// providers with no jobs. The sub-benchmarks split the block: Schedule
// alone, reading the provider registry alone, and scheduler.Plan alone on
// the same 400 candidates and 10,000 providers.
func BenchmarkEndBlockerAtLoad(b *testing.B) {
	const providers, jobs = 10_000, 100_000
	start := time.Now()
	empty, _ := loadFixture(b, providers, 0)
	f, _ := loadFixture(b, providers, jobs)
	b.Logf("setup: two chains, %d providers, %d pending jobs: %s", providers, jobs, time.Since(start).Round(time.Millisecond))
	params, err := f.k.Params.Get(f.ctx)
	if err != nil {
		b.Fatal(err)
	}

	endBlock := func(b *testing.B, f *fixture, run func(sdk.Context) error) {
		placed := 0
		for b.Loop() {
			ctx, _ := f.ctx.WithEventManager(sdk.NewEventManager()).CacheContext()
			if err := run(ctx); err != nil {
				b.Fatal(err)
			}
			placed += leased(ctx)
		}
		b.ReportMetric(float64(placed)/float64(b.N), "placements/block")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/block")
	}
	b.Run("baseline,providers=10000,pending=0", func(b *testing.B) {
		endBlock(b, empty, func(ctx sdk.Context) error { return empty.k.EndBlocker(ctx) })
	})
	b.Run("providers=10000,pending=100000", func(b *testing.B) {
		endBlock(b, f, func(ctx sdk.Context) error { return f.k.EndBlocker(ctx) })
	})
	b.Run("schedule-only", func(b *testing.B) {
		endBlock(b, f, func(ctx sdk.Context) error { return f.k.Schedule(ctx) })
	})
	b.Run("read-providers", func(b *testing.B) {
		n := 0
		for b.Loop() {
			ctx, _ := f.ctx.CacheContext()
			ps, err := f.k.SchedulerProviders(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n = len(ps)
		}
		if n != providers {
			b.Fatalf("read %d providers, want %d", n, providers)
		}
	})
	b.Run("plan-only", func(b *testing.B) {
		ps, err := f.k.SchedulerProviders(f.ctx)
		if err != nil {
			b.Fatal(err)
		}
		budget := int(params.MaxPlacementsPerBlock)
		var pending []scheduler.Job
		for id := uint64(1); len(pending) < 4*budget && id <= jobs; id++ {
			j, err := f.k.Jobs.Get(f.ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if j.Status != types.JOB_STATUS_PENDING {
				continue
			}
			s, err := types.ParseJobSpec(j.Spec)
			if err != nil {
				b.Fatal(err)
			}
			pending = append(pending, keeper.SchedulerJob(id, s, params))
		}
		placed := 0
		for b.Loop() {
			placed += len(scheduler.Plan(pending, ps, budget, scheduler.DefaultOptions()))
		}
		b.ReportMetric(float64(placed)/float64(b.N), "placements/block")
	})
}
