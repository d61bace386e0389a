package types_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"

	"github.com/gpunet/gpunet/stake/types"
)

func TestParamsValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*types.Params)
		field string // empty: valid
	}{
		{"default", func(*types.Params) {}, ""},
		{"zero min stakes and fee are allowed", func(p *types.Params) {
			p.MinProviderStake, p.MinVerifierStake, p.VerifierFee = math.ZeroInt(), math.ZeroInt(), math.ZeroInt()
		}, ""},
		{"fractions at the bounds", func(p *types.Params) {
			p.SlashFractionFraud, p.SlashFractionFalseAccusation = math.LegacyOneDec(), math.LegacyZeroDec()
		}, ""},
		{"nil min provider stake", func(p *types.Params) { p.MinProviderStake = math.Int{} }, "min_provider_stake"},
		{"negative min verifier stake", func(p *types.Params) { p.MinVerifierStake = math.NewInt(-1) }, "min_verifier_stake"},
		{"negative verifier fee", func(p *types.Params) { p.VerifierFee = math.NewInt(-1) }, "verifier_fee"},
		{"zero unbonding period", func(p *types.Params) { p.UnbondingPeriod = 0 }, "unbonding_period"},
		{"negative challenge window", func(p *types.Params) { p.ChallengeWindow = -time.Second }, "challenge_window"},
		{"unbonding equal to challenge window", func(p *types.Params) { p.UnbondingPeriod = p.ChallengeWindow }, "unbonding_period"},
		{"unbonding below challenge window", func(p *types.Params) { p.UnbondingPeriod = p.ChallengeWindow - 1 }, "unbonding_period"},
		{"zero lease accept timeout", func(p *types.Params) { p.LeaseAcceptTimeout = 0 }, "lease_accept_timeout"},
		{"zero samples", func(p *types.Params) { p.SamplesPerJob = 0 }, "samples_per_job"},
		{"zero committee", func(p *types.Params) { p.CommitteeSize = 0 }, "committee_size"},
		{"even committee", func(p *types.Params) { p.CommitteeSize = 6 }, "committee_size"},
		{"nil fraud fraction", func(p *types.Params) { p.SlashFractionFraud = math.LegacyDec{} }, "slash_fraction_fraud"},
		{"false accusation fraction above one", func(p *types.Params) {
			p.SlashFractionFalseAccusation = math.LegacyMustNewDecFromStr("1.000000000000000001")
		}, "slash_fraction_false_accusation"},
		{"negative fraud fraction", func(p *types.Params) { p.SlashFractionFraud = math.LegacyNewDec(-1) }, "slash_fraction_fraud"},
		{"zero jail duration", func(p *types.Params) { p.JailDuration = 0 }, "jail_duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.edit(&p)
			err := p.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, types.ErrInvalidParams) {
				t.Fatalf("error %v, want ErrInvalidParams", err)
			}
			if !strings.Contains(err.Error(), "params."+tc.field+":") {
				t.Fatalf("error %q does not name params.%s", err, tc.field)
			}
		})
	}
}

func TestDevnetParams(t *testing.T) {
	p := types.DevnetParams()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.UnbondingPeriod != time.Minute || p.ChallengeWindow != 30*time.Second {
		t.Fatalf("devnet unbonding %s challenge %s", p.UnbondingPeriod, p.ChallengeWindow)
	}
	if !p.MinStake(types.ROLE_PROVIDER).Equal(math.NewInt(1_000_000)) || !p.MinStake(types.ROLE_VERIFIER).Equal(math.NewInt(1_000_000)) {
		t.Fatalf("devnet minimums %s %s", p.MinStake(types.ROLE_PROVIDER), p.MinStake(types.ROLE_VERIFIER))
	}
	d := types.DefaultParams()
	if !d.MinStake(types.ROLE_PROVIDER).Equal(d.MinProviderStake) || !d.MinStake(types.ROLE_VERIFIER).Equal(d.MinVerifierStake) {
		t.Fatal("MinStake does not pick the role's minimum")
	}
}
