package types_test

import (
	"testing"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// fuzzInt reads s as an integer; anything else is a nil Int, which callers
// must handle without panicking too.
func fuzzInt(s string) math.Int {
	v, ok := math.NewIntFromString(s)
	if !ok {
		return math.Int{}
	}
	return v
}

func fuzzDec(s string) math.LegacyDec {
	v, err := math.LegacyNewDecFromStr(s)
	if err != nil {
		return math.LegacyDec{}
	}
	return v
}

// FuzzMsgValidateBasic builds every message type from fuzzed fields and
// checks that ValidateBasic never panics, that every error it returns
// carries a registered gpunet code, and that what it accepts really holds.
func FuzzMsgValidateBasic(f *testing.F) {
	spec := canonicalSpec(f)
	f.Add(addr, goodPeer, "/ip4/1.2.3.4/tcp/4001", "NVIDIA H100", uint64(81559), "9.0", uint32(8), types.Denom, "5000000", int32(1), spec, uint64(1), int64(time.Minute), int64(30*time.Second), uint32(5), "0.5")
	f.Add("", "", "", "", uint64(0), "", uint32(0), "", "", int32(0), "", uint64(0), int64(0), int64(0), uint32(0), "")
	f.Add("x", "12D3KooW", "1.2.3.4:80", "m", uint64(1), "9", uint32(65), "uatom", "-1", int32(99), "{}", uint64(7), int64(-1), int64(1), uint32(4), "1.5")
	f.Add(addr, goodPeer, "/", "m", uint64(1), "10.12", uint32(64), types.Denom, "1"+string(make([]byte, 80)), int32(2), spec[:len(spec)-1], uint64(1<<63), int64(1<<62), int64(1<<62-1), uint32(1), "1")
	f.Fuzz(func(t *testing.T, owner, peer, maddr, model string, mem uint64, cc string, count uint32,
		denom, amount string, role int32, jobSpec string, jobID uint64, unbonding, challenge int64, committee uint32, fraction string,
	) {
		coin := sdk.Coin{Denom: denom, Amount: fuzzInt(amount)}
		g := []types.GPU{{Model: model, MemoryMib: mem, ComputeCapability: cc, Count: count}}
		params := types.DefaultParams()
		params.MinProviderStake = fuzzInt(amount)
		params.UnbondingPeriod, params.ChallengeWindow = time.Duration(unbonding), time.Duration(challenge)
		params.CommitteeSize = committee
		params.SlashFractionFraud = fuzzDec(fraction)
		msgs := []validator{
			&types.MsgRegisterProvider{Owner: owner, PeerId: peer, Multiaddrs: []string{maddr}, Gpus: g, PricePerGpuHour: coin},
			&types.MsgUpdateProvider{Owner: owner, PeerId: peer, Multiaddrs: []string{maddr}, Gpus: g, PricePerGpuHour: coin},
			&types.MsgStake{Staker: owner, Role: types.Role(role), Amount: coin},
			&types.MsgUnstake{Staker: owner, Role: types.Role(role), Amount: coin},
			&types.MsgCreateJob{Client: owner, Spec: jobSpec},
			&types.MsgCancelJob{Client: owner, JobId: jobID},
			&types.MsgUpdateParams{Authority: owner, Params: params},
		}
		for _, m := range msgs {
			err := m.ValidateBasic()
			if err != nil {
				if codespace, code, _ := errorsmod.ABCIInfo(err, false); codespace != types.ModuleName || code < 2 {
					t.Fatalf("%T: error %q has codespace %q code %d, want a registered gpunet error", m, err, codespace, code)
				}
				continue
			}
			// Accepted: the fields the keeper relies on really hold.
			if owner == "" {
				t.Fatalf("%T accepted an empty signer", m)
			}
			switch m := m.(type) {
			case *types.MsgStake, *types.MsgUnstake, *types.MsgRegisterProvider, *types.MsgUpdateProvider:
				if coin.Denom != types.Denom || coin.Amount.IsNil() || !coin.Amount.IsPositive() {
					t.Fatalf("%T accepted amount %v", m, coin)
				}
			case *types.MsgCancelJob:
				if m.JobId == 0 {
					t.Fatal("MsgCancelJob accepted job id 0")
				}
			case *types.MsgUpdateParams:
				if m.Params.UnbondingPeriod <= m.Params.ChallengeWindow || m.Params.CommitteeSize%2 == 0 {
					t.Fatalf("MsgUpdateParams accepted %v", m.Params)
				}
			}
			if s, ok := m.(*types.MsgStake); ok && s.Role != types.ROLE_PROVIDER && s.Role != types.ROLE_VERIFIER {
				t.Fatalf("MsgStake accepted role %d", s.Role)
			}
		}
	})
}
