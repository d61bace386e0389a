package types_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"

	"github.com/gpunet/gpunet/stake/types"
)

const addr2 = "gpunet132vm0qp3mjh3pkv9kldg5n3pagcmaa6myyvqkl"

// fullGenesis has one of everything, valid.
func fullGenesis(t testing.TB) *types.GenesisState {
	t.Helper()
	gs := types.DefaultGenesis()
	gs.Providers = []types.Provider{
		{Address: addr, PeerId: goodPeer, Gpus: gpus(1), PricePerGpuHour: math.NewInt(1), FreeGpus: 8, Status: types.PROVIDER_STATUS_ACTIVE},
		{Address: addr2, PeerId: strings.Replace(goodPeer, "A", "B", -1), PricePerGpuHour: math.NewInt(2), Status: types.PROVIDER_STATUS_ACTIVE},
	}
	gs.Stakes = []types.Stake{
		{Address: addr, Role: types.ROLE_PROVIDER, Amount: math.NewInt(5)},
		{Address: addr, Role: types.ROLE_VERIFIER, Amount: math.NewInt(5)},
		{Address: addr2, Role: types.ROLE_PROVIDER, Amount: math.NewInt(5)},
	}
	gs.Unbonding = []types.UnbondingEntry{
		{Id: 1, Address: addr, Role: types.ROLE_PROVIDER, Amount: math.NewInt(1), CompletionTime: time.Unix(100, 0).UTC()},
		{Id: 4, Address: addr2, Role: types.ROLE_VERIFIER, Amount: math.NewInt(1), CompletionTime: time.Unix(100, 0).UTC()},
	}
	gs.Jobs = []types.Job{{Id: 2, Client: addr, Spec: canonicalSpec(t), Escrow: math.NewInt(150_000_000), Status: types.JOB_STATUS_PENDING}}
	gs.NextUnbondingId, gs.NextJobId = 5, 3
	gs.Validators = []types.Validator{{Name: "v", PubKey: make([]byte, 32), Power: 10}}
	return gs
}

func TestGenesisValidate(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(*types.GenesisState)
		want     error // nil: valid
		contains []string
	}{
		{"default", func(gs *types.GenesisState) { *gs = *types.DefaultGenesis() }, nil, nil},
		{"full", func(*types.GenesisState) {}, nil, nil},
		{"cancelled job with no escrow", func(gs *types.GenesisState) {
			gs.Jobs[0].Status, gs.Jobs[0].Escrow = types.JOB_STATUS_CANCELLED, math.ZeroInt()
		}, nil, nil},
		{"bad params", func(gs *types.GenesisState) { gs.Params.CommitteeSize = 2 },
			types.ErrInvalidParams, []string{"params.committee_size:"}},
		{"zero next unbonding id", func(gs *types.GenesisState) { gs.NextUnbondingId = 0 },
			types.ErrInvalidGenesis, []string{"next_unbonding_id and next_job_id: must be at least 1"}},
		{"zero next job id", func(gs *types.GenesisState) { gs.NextJobId = 0 },
			types.ErrInvalidGenesis, []string{"must be at least 1"}},
		{"duplicate provider", func(gs *types.GenesisState) { gs.Providers[1].Address = addr },
			types.ErrInvalidGenesis, []string{"providers[1].address:", "listed twice"}},
		{"duplicate peer id", func(gs *types.GenesisState) { gs.Providers[1].PeerId = goodPeer },
			types.ErrInvalidGenesis, []string{"providers[1].peer_id:", "listed twice"}},
		{"provider with bad gpu", func(gs *types.GenesisState) { gs.Providers[0].Gpus[0].Count = 0 },
			types.ErrInvalidGenesis, []string{"providers[0]:", "gpus[0].count:"}},
		{"provider with nil price", func(gs *types.GenesisState) { gs.Providers[1].PricePerGpuHour = math.Int{} },
			types.ErrInvalidGenesis, []string{"providers[1]:", "price_per_gpu_hour:"}},
		{"duplicate stake", func(gs *types.GenesisState) { gs.Stakes[2].Address, gs.Stakes[2].Role = addr, types.ROLE_VERIFIER },
			types.ErrInvalidGenesis, []string{"stakes[2]:", "has two verifier stakes"}},
		{"stake with unknown role", func(gs *types.GenesisState) { gs.Stakes[0].Role = types.ROLE_UNSPECIFIED },
			types.ErrInvalidGenesis, []string{"stakes[0]:", "role:"}},
		{"zero stake", func(gs *types.GenesisState) { gs.Stakes[1].Amount = math.ZeroInt() },
			types.ErrInvalidGenesis, []string{"stakes[1].amount: must be positive"}},
		{"nil stake", func(gs *types.GenesisState) { gs.Stakes[1].Amount = math.Int{} },
			types.ErrInvalidGenesis, []string{"stakes[1].amount:"}},
		{"unbonding id equal to next id", func(gs *types.GenesisState) { gs.Unbonding[1].Id = gs.NextUnbondingId },
			types.ErrInvalidGenesis, []string{"unbonding[1].id: 5", "not below next_unbonding_id 5"}},
		{"unbonding id above next id", func(gs *types.GenesisState) { gs.Unbonding[0].Id = 99 },
			types.ErrInvalidGenesis, []string{"unbonding[0].id: 99"}},
		{"unbonding id zero", func(gs *types.GenesisState) { gs.Unbonding[0].Id = 0 },
			types.ErrInvalidGenesis, []string{"unbonding[0].id: 0"}},
		{"unbonding id repeated", func(gs *types.GenesisState) { gs.Unbonding[1].Id = 1 },
			types.ErrInvalidGenesis, []string{"unbonding[1].id: 1", "repeated"}},
		{"unbonding with unknown role", func(gs *types.GenesisState) { gs.Unbonding[0].Role = 7 },
			types.ErrInvalidGenesis, []string{"unbonding[0]:", "unknown role 7"}},
		{"negative unbonding", func(gs *types.GenesisState) { gs.Unbonding[0].Amount = math.NewInt(-1) },
			types.ErrInvalidGenesis, []string{"unbonding[0].amount: must be positive"}},
		{"job id equal to next id", func(gs *types.GenesisState) { gs.Jobs[0].Id = 3 },
			types.ErrInvalidGenesis, []string{"jobs[0].id: 3", "next_job_id 3"}},
		{"job id zero", func(gs *types.GenesisState) { gs.Jobs[0].Id = 0 },
			types.ErrInvalidGenesis, []string{"jobs[0].id: 0"}},
		{"job id repeated", func(gs *types.GenesisState) { gs.Jobs = append(gs.Jobs, gs.Jobs[0]) },
			types.ErrInvalidGenesis, []string{"jobs[1].id: 2", "repeated"}},
		{"negative escrow", func(gs *types.GenesisState) { gs.Jobs[0].Escrow = math.NewInt(-1) },
			types.ErrInvalidGenesis, []string{"jobs[0].escrow: must not be negative"}},
		{"nil escrow", func(gs *types.GenesisState) { gs.Jobs[0].Escrow = math.Int{} },
			types.ErrInvalidGenesis, []string{"jobs[0].escrow:"}},
		{"unspecified job status", func(gs *types.GenesisState) { gs.Jobs[0].Status = types.JOB_STATUS_UNSPECIFIED },
			types.ErrInvalidGenesis, []string{"jobs[0].status: 0 is not a job status"}},
		{"unknown job status", func(gs *types.GenesisState) { gs.Jobs[0].Status = 42 },
			types.ErrInvalidGenesis, []string{"jobs[0].status: 42"}},
		{"job with invalid spec", func(gs *types.GenesisState) { gs.Jobs[0].Spec = "{}" },
			types.ErrInvalidGenesis, []string{"jobs[0]:", "spec:"}},
		{"validator key too short", func(gs *types.GenesisState) { gs.Validators[0].PubKey = make([]byte, 31) },
			types.ErrInvalidGenesis, []string{"validators[0].pub_key:", "32-byte ed25519 key (got 31 bytes)"}},
		{"validator key too long", func(gs *types.GenesisState) { gs.Validators[0].PubKey = make([]byte, 33) },
			types.ErrInvalidGenesis, []string{"validators[0].pub_key:", "(got 33 bytes)"}},
		{"validator without power", func(gs *types.GenesisState) { gs.Validators[0].Power = 0 },
			types.ErrInvalidGenesis, []string{"validators[0].power: must be positive"}},
		{"duplicate validator", func(gs *types.GenesisState) { gs.Validators = append(gs.Validators, gs.Validators[0]) },
			types.ErrInvalidGenesis, []string{"validators[1].pub_key: listed twice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gs := fullGenesis(t)
			tc.edit(gs)
			err := gs.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("valid genesis refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}
