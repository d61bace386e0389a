package types

import (
	"fmt"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// MaxUnbondingPeriod bounds the unbonding period: completion times are
// indexed in Unix nanoseconds, which end in 2262, and a year is already far
// longer than any challenge window.
const MaxUnbondingPeriod = 365 * 24 * time.Hour

// DefaultParams are mainnet-like settings: a three-week unbonding period
// that comfortably exceeds the one-week challenge window.
func DefaultParams() Params {
	return Params{
		MinProviderStake:             math.NewInt(1_000_000_000), // 1000 GPU
		MinVerifierStake:             math.NewInt(100_000_000),   // 100 GPU
		UnbondingPeriod:              21 * 24 * time.Hour,
		LeaseAcceptTimeout:           20,
		ChallengeWindow:              7 * 24 * time.Hour,
		SamplesPerJob:                3,
		CommitteeSize:                5,
		SlashFractionFraud:           math.LegacyNewDecWithPrec(5, 1), // 50%
		SlashFractionFalseAccusation: math.LegacyNewDecWithPrec(1, 1), // 10%
		VerifierFee:                  math.NewInt(100_000),
		JailDuration:                 1000,
		ProgressTimeout:              600, // about an hour of 6 s blocks
		MaxPlacementsPerBlock:        100,
	}
}

// DevnetParams are short enough for a person to watch every transition:
// a 60 s unbonding period and small minimum stakes.
func DevnetParams() Params {
	p := DefaultParams()
	p.MinProviderStake = math.NewInt(1_000_000) // 1 GPU
	p.MinVerifierStake = math.NewInt(1_000_000)
	p.UnbondingPeriod = 60 * time.Second
	p.ChallengeWindow = 30 * time.Second
	p.LeaseAcceptTimeout = 10
	p.JailDuration = 30
	p.ProgressTimeout = 60
	return p
}

// MinStake is the least bonded amount the role may hold.
func (p Params) MinStake(role Role) math.Int {
	if role == ROLE_VERIFIER {
		return p.MinVerifierStake
	}
	return p.MinProviderStake
}

// Validate checks every field and names the first bad one.
func (p Params) Validate() error {
	bad := func(field, format string, args ...any) error {
		return errorsmod.Wrapf(ErrInvalidParams, "params.%s: %s", field, fmt.Sprintf(format, args...))
	}
	for _, f := range []struct {
		name string
		v    math.Int
	}{
		{"min_provider_stake", p.MinProviderStake},
		{"min_verifier_stake", p.MinVerifierStake},
		{"verifier_fee", p.VerifierFee},
	} {
		if f.v.IsNil() || f.v.IsNegative() {
			return bad(f.name, "must be a non-negative integer amount of %s", Denom)
		}
	}
	if p.UnbondingPeriod <= 0 {
		return bad("unbonding_period", "must be positive (got %s)", p.UnbondingPeriod)
	}
	if p.UnbondingPeriod > MaxUnbondingPeriod {
		return bad("unbonding_period", "must be at most %s (got %s)", MaxUnbondingPeriod, p.UnbondingPeriod)
	}
	if p.ChallengeWindow <= 0 {
		return bad("challenge_window", "must be positive (got %s)", p.ChallengeWindow)
	}
	if p.UnbondingPeriod <= p.ChallengeWindow {
		return bad("unbonding_period", "must exceed challenge_window (%s <= %s), or a provider could unbond before its fraud is proven", p.UnbondingPeriod, p.ChallengeWindow)
	}
	if p.LeaseAcceptTimeout == 0 {
		return bad("lease_accept_timeout", "must be at least 1 block")
	}
	if p.SamplesPerJob == 0 {
		return bad("samples_per_job", "must be at least 1")
	}
	if p.CommitteeSize == 0 || p.CommitteeSize%2 == 0 {
		return bad("committee_size", "must be odd so a majority always exists (got %d)", p.CommitteeSize)
	}
	for _, f := range []struct {
		name string
		v    math.LegacyDec
	}{
		{"slash_fraction_fraud", p.SlashFractionFraud},
		{"slash_fraction_false_accusation", p.SlashFractionFalseAccusation},
	} {
		if f.v.IsNil() || f.v.IsNegative() || f.v.GT(math.LegacyOneDec()) {
			return bad(f.name, "must be a decimal between 0 and 1")
		}
	}
	if p.JailDuration == 0 {
		return bad("jail_duration", "must be at least 1 block")
	}
	if p.ProgressTimeout == 0 {
		return bad("progress_timeout", "must be at least 1 block")
	}
	if p.MaxPlacementsPerBlock == 0 {
		return bad("max_placements_per_block", "must be at least 1, or no job is ever placed")
	}
	return nil
}
