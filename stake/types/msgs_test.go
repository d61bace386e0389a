package types_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// Any non-empty address passes ValidateBasic: the keeper decodes it.
const (
	addr     = "gpunet1klp8gacd364az6r6dyz0znc656e4epk3zs0ydx"
	goodPeer = "12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
)

func ugpu(n int64) sdk.Coin { return sdk.Coin{Denom: types.Denom, Amount: math.NewInt(n)} }

func canonicalSpec(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../jobspec/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := jobspec.ParseYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

type validator interface{ ValidateBasic() error }

type msgCase struct {
	name     string
	msg      validator
	want     error // nil: valid
	contains []string
}

func runMsgCases(t *testing.T, cases []msgCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.msg.ValidateBasic()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("valid message refused: %v", err)
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

func gpus(n int) []types.GPU {
	out := make([]types.GPU, n)
	for i := range out {
		out[i] = types.GPU{Model: "NVIDIA H100 80GB HBM3", MemoryMib: 81559, ComputeCapability: "9.0", Count: 8}
	}
	return out
}

// providerCases builds the provider rows for Register and Update alike.
func providerCases(kind string, build func(owner, peer string, addrs []string, g []types.GPU, price sdk.Coin) validator) []msgCase {
	okAddrs := []string{"/ip4/1.2.3.4/tcp/4001"}
	withGPU := func(edit func(*types.GPU)) []types.GPU {
		g := gpus(2)
		edit(&g[1])
		return g
	}
	many := func(n int, s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	rows := []msgCase{
		{"valid", build(addr, goodPeer, okAddrs, gpus(2), ugpu(1)), nil, nil},
		{"valid without multiaddrs or gpus", build(addr, goodPeer, nil, nil, ugpu(1)), nil, nil},
		{"valid at every bound", build(addr, strings.Repeat("z", types.MaxPeerIDLen), many(types.MaxMultiaddrs, "/"+strings.Repeat("a", types.MaxMultiaddrLen-1)),
			withGPU(func(g *types.GPU) {
				g.Count = types.MaxGPUsPerEntry
				g.Model = strings.Repeat("m", types.MaxModelLen)
				g.ComputeCapability = "10.12"
			}), ugpu(1)), nil, nil},
		{"empty owner", build("", goodPeer, okAddrs, gpus(1), ugpu(1)),
			types.ErrInvalidAddress, []string{"owner:", "missing address", "sign with --from KEY"}},
		{"empty peer id", build(addr, "", okAddrs, gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"peer_id:", "missing", "gpunet provider start prints it"}},
		{"peer id too short", build(addr, "12D3KooW", okAddrs, gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"peer_id:", `"12D3KooW" is not a libp2p peer ID`, "like 12D3KooW..."}},
		{"peer id too long", build(addr, strings.Repeat("z", types.MaxPeerIDLen+1), okAddrs, gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"peer_id:", "is not a libp2p peer ID"}},
		{"peer id with 0", build(addr, strings.Replace(goodPeer, "A", "0", 1), okAddrs, gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"peer_id:", "base58"}},
		{"too many multiaddrs", build(addr, goodPeer, many(types.MaxMultiaddrs+1, "/ip4/1.2.3.4/tcp/1"), gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"multiaddrs:", "17 given, at most 16 allowed"}},
		{"multiaddr too long", build(addr, goodPeer, []string{"/" + strings.Repeat("a", types.MaxMultiaddrLen)}, gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"multiaddrs[0]:", "at most 256 bytes"}},
		{"multiaddr host:port", build(addr, goodPeer, []string{"/ip4/1.2.3.4/tcp/1", "1.2.3.4:4001"}, gpus(1), ugpu(1)),
			types.ErrInvalidProvider, []string{"multiaddrs[1]:", "like /ip4/1.2.3.4/tcp/4001"}},
		{"too many gpu entries", build(addr, goodPeer, okAddrs, gpus(types.MaxGPUEntries+1), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus:", "17 entries given, at most 16", "group GPUs of one model in one entry"}},
		{"gpu without model", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.Model = "" }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].model:", "must be 1 to 64 characters"}},
		{"gpu model too long", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.Model = strings.Repeat("m", 65) }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].model:"}},
		{"gpu with zero memory", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.MemoryMib = 0 }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].memory_mib:", "must be positive"}},
		{"compute capability without minor", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.ComputeCapability = "9" }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].compute_capability:", `"9" is not major.minor (like 9.0)`}},
		{"compute capability with three digits", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.ComputeCapability = "100.0" }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].compute_capability:"}},
		{"gpu count zero", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.Count = 0 }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].count:", "must be 1 to 64 (got 0)"}},
		{"gpu count over the bound", build(addr, goodPeer, okAddrs, withGPU(func(g *types.GPU) { g.Count = 65 }), ugpu(1)),
			types.ErrInvalidProvider, []string{"gpus[1].count:", "(got 65)"}},
		{"zero price", build(addr, goodPeer, okAddrs, gpus(1), ugpu(0)),
			types.ErrInvalidAmount, []string{"price_per_gpu_hour:", "must be positive", "pass e.g."}},
		{"negative price", build(addr, goodPeer, okAddrs, gpus(1), ugpu(-1)),
			types.ErrInvalidAmount, []string{"price_per_gpu_hour:", "(got -1)"}},
		{"price without denom", build(addr, goodPeer, okAddrs, gpus(1), sdk.Coin{Amount: math.NewInt(1)}),
			types.ErrInvalidAmount, []string{"price_per_gpu_hour:", "missing denom"}},
		{"price with nil amount", build(addr, goodPeer, okAddrs, gpus(1), sdk.Coin{Denom: types.Denom}),
			types.ErrInvalidAmount, []string{"price_per_gpu_hour:", "must be positive"}},
	}
	for i := range rows {
		rows[i].name = kind + " " + rows[i].name
	}
	return rows
}

func stakeCases(kind string, build func(staker string, role types.Role, amount sdk.Coin) validator) []msgCase {
	rows := []msgCase{
		{"valid provider", build(addr, types.ROLE_PROVIDER, ugpu(1)), nil, nil},
		{"valid verifier", build(addr, types.ROLE_VERIFIER, ugpu(5_000_000)), nil, nil},
		{"empty staker", build("", types.ROLE_PROVIDER, ugpu(1)),
			types.ErrInvalidAddress, []string{"staker:", "sign with --from KEY"}},
		{"role unspecified", build(addr, types.ROLE_UNSPECIFIED, ugpu(1)),
			types.ErrInvalidRole, []string{"role:", "unknown role 0", "use provider or verifier"}},
		{"role 99", build(addr, types.Role(99), ugpu(1)),
			types.ErrInvalidRole, []string{"role:", "unknown role 99"}},
		{"negative role", build(addr, types.Role(-1), ugpu(1)),
			types.ErrInvalidRole, []string{"role:", "unknown role -1"}},
		{"zero amount", build(addr, types.ROLE_PROVIDER, ugpu(0)),
			types.ErrInvalidAmount, []string{"amount:", "must be positive (got 0)", "pass e.g. 5000000ugpu"}},
		{"negative amount", build(addr, types.ROLE_PROVIDER, ugpu(-7)),
			types.ErrInvalidAmount, []string{"amount:", "(got -7)"}},
		{"nil amount", build(addr, types.ROLE_PROVIDER, sdk.Coin{Denom: types.Denom}),
			types.ErrInvalidAmount, []string{"amount:", "must be positive"}},
		{"wrong denom", build(addr, types.ROLE_PROVIDER, sdk.Coin{Denom: "gpu", Amount: math.NewInt(5)}),
			types.ErrInvalidAmount, []string{"amount:", `wrong denom "gpu"`, "1 GPU = 1000000ugpu"}},
		{"missing denom", build(addr, types.ROLE_PROVIDER, sdk.Coin{Amount: math.NewInt(5)}),
			types.ErrInvalidAmount, []string{"amount:", "missing denom", "write it as e.g. 5000000ugpu"}},
	}
	for i := range rows {
		rows[i].name = kind + " " + rows[i].name
	}
	return rows
}

func TestMsgValidateBasic(t *testing.T) {
	spec := canonicalSpec(t)
	var cases []msgCase
	cases = append(cases, providerCases("register", func(o, p string, a []string, g []types.GPU, c sdk.Coin) validator {
		return &types.MsgRegisterProvider{Owner: o, PeerId: p, Multiaddrs: a, Gpus: g, PricePerGpuHour: c}
	})...)
	cases = append(cases, providerCases("update", func(o, p string, a []string, g []types.GPU, c sdk.Coin) validator {
		return &types.MsgUpdateProvider{Owner: o, PeerId: p, Multiaddrs: a, Gpus: g, PricePerGpuHour: c}
	})...)
	cases = append(cases, stakeCases("stake", func(s string, r types.Role, c sdk.Coin) validator {
		return &types.MsgStake{Staker: s, Role: r, Amount: c}
	})...)
	cases = append(cases, stakeCases("unstake", func(s string, r types.Role, c sdk.Coin) validator {
		return &types.MsgUnstake{Staker: s, Role: r, Amount: c}
	})...)
	cases = append(cases, []msgCase{
		{"create job valid", &types.MsgCreateJob{Client: addr, Spec: spec}, nil, nil},
		{"create job empty client", &types.MsgCreateJob{Spec: spec},
			types.ErrInvalidAddress, []string{"client:", "sign with --from KEY"}},
		{"create job empty spec", &types.MsgCreateJob{Client: addr},
			types.ErrInvalidJobSpec, []string{"spec:"}},
		{"create job YAML spec", &types.MsgCreateJob{Client: addr, Spec: "name: x\n"},
			types.ErrInvalidJobSpec, []string{"spec:", "decode JSON"}},
		{"create job non-canonical spec", &types.MsgCreateJob{Client: addr, Spec: spec + "\n"},
			types.ErrInvalidJobSpec, []string{"spec:"}},
		{"create job oversized spec", &types.MsgCreateJob{Client: addr, Spec: spec + strings.Repeat(" ", jobspec.MaxSpecBytes)},
			types.ErrInvalidJobSpec, []string{"spec:", "the limit is 16384 bytes"}},
		{"create job invalid field", &types.MsgCreateJob{Client: addr, Spec: strings.Replace(spec, `"steps":10000`, `"steps":0`, 1)},
			types.ErrInvalidJobSpec, []string{"spec:", "steps: must be at least 1", "set the total number of training steps"}},
		{"cancel job valid", &types.MsgCancelJob{Client: addr, JobId: 1}, nil, nil},
		{"cancel job empty client", &types.MsgCancelJob{JobId: 1},
			types.ErrInvalidAddress, []string{"client:", "sign with --from KEY"}},
		{"cancel job zero id", &types.MsgCancelJob{Client: addr},
			types.ErrJobNotFound, []string{"job_id:", "must be positive", "job IDs start at 1"}},
		{"update params valid default", &types.MsgUpdateParams{Authority: addr, Params: types.DefaultParams()}, nil, nil},
		{"update params valid devnet", &types.MsgUpdateParams{Authority: addr, Params: types.DevnetParams()}, nil, nil},
		{"update params empty authority", &types.MsgUpdateParams{Params: types.DefaultParams()},
			types.ErrInvalidAddress, []string{"authority:", "sign with --from KEY"}},
		{"update params bad params", &types.MsgUpdateParams{Authority: addr, Params: func() types.Params {
			p := types.DefaultParams()
			p.UnbondingPeriod = p.ChallengeWindow
			return p
		}()}, types.ErrInvalidParams, []string{"params.unbonding_period:", "must exceed challenge_window"}},
		{"update params zero value", &types.MsgUpdateParams{Authority: addr},
			types.ErrInvalidParams, []string{"params.min_provider_stake:"}},
	}...)
	runMsgCases(t, cases)
}
