package gpu

import (
	"context"
	"reflect"
	"testing"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"pgregory.net/rapid"

	"github.com/gpunet/gpunet/stake/types"
)

func healthy(index int, name string, mem uint64, cc string) GPU {
	return GPU{Index: index, UUID: "GPU-x", Name: name, MemoryMiB: mem, ComputeCapability: cc, Health: Health{OK: true}}
}

func TestChainGPUs(t *testing.T) {
	const h100, a100 = "NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB"
	sick := healthy(9, h100, 81559, "9.0")
	sick.Health = Health{Problems: []string{"retired pages pending"}}
	tests := []struct {
		name string
		gpus []GPU
		want []types.GPU
	}{
		{name: "none", gpus: nil, want: []types.GPU{}},
		{
			name: "groups and sorts by model, memory, capability",
			gpus: []GPU{
				healthy(0, h100, 81559, "9.0"), healthy(1, a100, 81920, "8.0"), healthy(2, h100, 81559, "9.0"),
				healthy(3, a100, 40960, "8.0"), healthy(4, h100, 81559, "9.0"),
			},
			want: []types.GPU{
				{Model: a100, MemoryMib: 40960, ComputeCapability: "8.0", Count: 1},
				{Model: a100, MemoryMib: 81920, ComputeCapability: "8.0", Count: 1},
				{Model: h100, MemoryMib: 81559, ComputeCapability: "9.0", Count: 3},
			},
		},
		{
			name: "unhealthy and undescribed GPUs are not offered",
			gpus: []GPU{
				healthy(0, h100, 81559, "9.0"), sick,
				healthy(2, "", 81559, "9.0"), healthy(3, h100, 0, "9.0"), healthy(4, h100, 81559, ""),
			},
			want: []types.GPU{{Model: h100, MemoryMib: 81559, ComputeCapability: "9.0", Count: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChainGPUs(Inventory{GPUs: tt.gpus}); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ChainGPUs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The entries depend on which GPUs the machine has, not on the order NVML
// enumerates them; every offered GPU is counted once; the chain accepts them.
func TestChainGPUsProperties(t *testing.T) {
	gpuGen := rapid.Custom(func(t *rapid.T) GPU {
		g := healthy(0,
			rapid.SampledFrom([]string{"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB", "NVIDIA L4", ""}).Draw(t, "name"),
			rapid.SampledFrom([]uint64{0, 23034, 40960, 81559}).Draw(t, "mem"),
			rapid.SampledFrom([]string{"8.0", "8.9", "9.0", ""}).Draw(t, "cc"))
		g.Health.OK = rapid.IntRange(0, 4).Draw(t, "health") > 0
		return g
	})
	rapid.Check(t, func(t *rapid.T) {
		gpus := rapid.SliceOfN(gpuGen, 0, 64).Draw(t, "gpus")
		for i := range gpus {
			gpus[i].Index = i
		}
		got := ChainGPUs(Inventory{GPUs: gpus})

		perm := rapid.Permutation(gpus).Draw(t, "perm")
		if again := ChainGPUs(Inventory{GPUs: perm}); !reflect.DeepEqual(got, again) {
			t.Fatalf("order changed the result:\n%+v\n%+v", got, again)
		}
		var offered, counted uint32
		for _, g := range gpus {
			if Offerable(g) {
				offered++
			}
		}
		for _, e := range got {
			counted += e.Count
		}
		if counted != offered {
			t.Fatalf("entries count %d GPUs, %d are offerable", counted, offered)
		}
		if len(got) > 0 {
			price := sdk.Coin{Denom: types.Denom, Amount: math.NewInt(1)}
			if err := types.ValidateProviderFields("12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil, got, price); err != nil {
				t.Fatalf("chain rejects %+v: %v", got, err)
			}
		}
	})
}

func TestNull(t *testing.T) {
	inv, err := Null{Reason: "no GPUs here"}.Inventory(context.Background())
	if err != nil || inv.Available || inv.Reason != "no GPUs here" || inv.GPUs == nil || len(inv.GPUs) != 0 {
		t.Errorf("Null.Inventory = %+v, %v", inv, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Null{}).Inventory(ctx); err == nil {
		t.Error("Null.Inventory ignored a canceled context")
	}
}
