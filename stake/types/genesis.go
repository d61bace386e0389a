package types

import (
	"cosmossdk.io/math"
	"crypto/ed25519"
	"fmt"

	errorsmod "cosmossdk.io/errors"
)

// DefaultGenesis is an empty ledger with default params. Its validator set
// is empty: `gpunet chain init` fills it with the node's consensus key.
func DefaultGenesis() *GenesisState {
	return &GenesisState{
		Params:          DefaultParams(),
		NextUnbondingId: 1,
		NextJobId:       1,
	}
}

// Validate checks genesis without a store: shapes, uniqueness and counters.
// Address encodings are checked by the keeper, which owns the address codec.
func (gs GenesisState) Validate() error {
	bad := func(format string, args ...any) error {
		return errorsmod.Wrap(ErrInvalidGenesis, fmt.Sprintf(format, args...))
	}
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextUnbondingId == 0 || gs.NextJobId == 0 {
		return bad("next_unbonding_id and next_job_id: must be at least 1")
	}
	peers := map[string]bool{}
	addrs := map[string]bool{}
	for i, p := range gs.Providers {
		if addrs[p.Address] {
			return bad("providers[%d].address: %s is listed twice", i, p.Address)
		}
		if peers[p.PeerId] {
			return bad("providers[%d].peer_id: %s is listed twice", i, p.PeerId)
		}
		addrs[p.Address], peers[p.PeerId] = true, true
		if err := ValidateProviderFields(p.PeerId, p.Multiaddrs, p.Gpus, newCoin(p.PricePerGpuHour)); err != nil {
			return bad("providers[%d]: %s", i, err)
		}
	}
	stakes := map[string]bool{}
	for i, s := range gs.Stakes {
		if err := ValidateRole(s.Role); err != nil {
			return bad("stakes[%d]: %s", i, err)
		}
		if s.Amount.IsNil() || !s.Amount.IsPositive() {
			return bad("stakes[%d].amount: must be positive", i)
		}
		k := s.Address + "/" + s.Role.String()
		if stakes[k] {
			return bad("stakes[%d]: %s has two %s stakes", i, s.Address, s.Role.ShortName())
		}
		stakes[k] = true
	}
	ids := map[uint64]bool{}
	for i, u := range gs.Unbonding {
		if err := ValidateRole(u.Role); err != nil {
			return bad("unbonding[%d]: %s", i, err)
		}
		if u.Amount.IsNil() || !u.Amount.IsPositive() {
			return bad("unbonding[%d].amount: must be positive", i)
		}
		if y := u.CompletionTime.Year(); y < 1970 || y > 2262 {
			return bad("unbonding[%d].completion_time: %s is outside 1970–2262, the range the unbonding queue indexes", i, u.CompletionTime)
		}
		if u.Id == 0 || u.Id >= gs.NextUnbondingId || ids[u.Id] {
			return bad("unbonding[%d].id: %d is zero, repeated or not below next_unbonding_id %d", i, u.Id, gs.NextUnbondingId)
		}
		ids[u.Id] = true
	}
	jobs := map[uint64]bool{}
	for i, j := range gs.Jobs {
		if j.Id == 0 || j.Id >= gs.NextJobId || jobs[j.Id] {
			return bad("jobs[%d].id: %d is zero, repeated or not below next_job_id %d", i, j.Id, gs.NextJobId)
		}
		jobs[j.Id] = true
		if j.Escrow.IsNil() || j.Escrow.IsNegative() {
			return bad("jobs[%d].escrow: must not be negative", i)
		}
		if _, ok := JobStatus_name[int32(j.Status)]; !ok || j.Status == JOB_STATUS_UNSPECIFIED {
			return bad("jobs[%d].status: %d is not a job status", i, j.Status)
		}
		if _, err := ParseJobSpec(j.Spec); err != nil {
			return bad("jobs[%d]: %s", i, err)
		}
		switch j.Status {
		case JOB_STATUS_LEASED, JOB_STATUS_RUNNING, JOB_STATUS_VERIFYING:
			if j.Lease == nil || j.Lease.Provider == "" {
				return bad("jobs[%d].lease: a %s job must have a lease with its provider", i, j.Status.ShortName())
			}
		}
		for _, f := range []struct {
			name string
			v    math.Int
		}{{"paid", j.Paid}, {"owed", j.Owed}} {
			if !f.v.IsNil() && f.v.IsNegative() {
				return bad("jobs[%d].%s: must not be negative", i, f.name)
			}
		}
		for c := 1; c < len(j.Checkpoints); c++ {
			if j.Checkpoints[c].Step <= j.Checkpoints[c-1].Step {
				return bad("jobs[%d].checkpoints[%d].step: must increase", i, c)
			}
		}
	}
	keys := map[string]bool{}
	for i, v := range gs.Validators {
		if len(v.PubKey) != ed25519.PublicKeySize {
			return bad("validators[%d].pub_key: must be a %d-byte ed25519 key (got %d bytes)", i, ed25519.PublicKeySize, len(v.PubKey))
		}
		if v.Power <= 0 {
			return bad("validators[%d].power: must be positive", i)
		}
		if keys[string(v.PubKey)] {
			return bad("validators[%d].pub_key: listed twice", i)
		}
		keys[string(v.PubKey)] = true
	}
	return nil
}
