package types

import (
	"regexp"
	"strings"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/jobspec"
)

var (
	_ sdk.Msg = (*MsgRegisterProvider)(nil)
	_ sdk.Msg = (*MsgUpdateProvider)(nil)
	_ sdk.Msg = (*MsgStake)(nil)
	_ sdk.Msg = (*MsgUnstake)(nil)
	_ sdk.Msg = (*MsgCreateJob)(nil)
	_ sdk.Msg = (*MsgCancelJob)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)
)

// Bounds on a provider's registry entry: it lives in every node's state, so
// it is kept small.
const (
	MaxMultiaddrs   = 16
	MaxMultiaddrLen = 256
	MaxGPUEntries   = 16
	MaxGPUsPerEntry = 64
	MaxModelLen     = 64
	MaxPeerIDLen    = 128
)

var (
	// base58btc, the alphabet of libp2p peer IDs.
	peerIDPattern = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{32,128}$`)
	ccPattern     = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,2}$`)
)

// ValidateAmount checks a coin typed by a person: denom ugpu, positive.
func ValidateAmount(field string, c sdk.Coin) error {
	switch {
	case c.Denom == "":
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: missing denom; write it as e.g. 5000000%s (1 GPU = 1000000%s)", field, Denom, Denom)
	case c.Denom != Denom:
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: wrong denom %q; only %s is accepted (1 GPU = 1000000%s)", field, c.Denom, Denom, Denom)
	case c.Amount.IsNil() || !c.Amount.IsPositive():
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: must be positive (got %s); pass e.g. 5000000%s", field, c.Amount, Denom)
	}
	return nil
}

func requireAddress(field, addr string) error {
	if addr == "" {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s: missing address; sign with --from KEY", field)
	}
	return nil
}

// ValidateProviderFields checks what a provider says about itself.
func ValidateProviderFields(peerID string, multiaddrs []string, gpus []GPU, price sdk.Coin) error {
	if peerID == "" {
		return errorsmod.Wrap(ErrInvalidProvider, "peer_id: missing; pass the node's libp2p peer ID (gpunet provider start prints it)")
	}
	if len(peerID) > MaxPeerIDLen || !peerIDPattern.MatchString(peerID) {
		return errorsmod.Wrapf(ErrInvalidProvider, "peer_id: %q is not a libp2p peer ID (base58, like 12D3KooW...)", peerID)
	}
	if len(multiaddrs) > MaxMultiaddrs {
		return errorsmod.Wrapf(ErrInvalidProvider, "multiaddrs: %d given, at most %d allowed", len(multiaddrs), MaxMultiaddrs)
	}
	for i, a := range multiaddrs {
		if a == "" || a[0] != '/' || len(a) > MaxMultiaddrLen {
			return errorsmod.Wrapf(ErrInvalidProvider, "multiaddrs[%d]: %q is not a multiaddr (like /ip4/1.2.3.4/tcp/4001, at most %d bytes)", i, a, MaxMultiaddrLen)
		}
	}
	if len(gpus) > MaxGPUEntries {
		return errorsmod.Wrapf(ErrInvalidProvider, "gpus: %d entries given, at most %d allowed; group GPUs of one model in one entry", len(gpus), MaxGPUEntries)
	}
	for i, g := range gpus {
		switch {
		case g.Model == "" || len(g.Model) > MaxModelLen:
			return errorsmod.Wrapf(ErrInvalidProvider, "gpus[%d].model: must be 1 to %d characters", i, MaxModelLen)
		case g.MemoryMib == 0:
			return errorsmod.Wrapf(ErrInvalidProvider, "gpus[%d].memory_mib: must be positive", i)
		case !ccPattern.MatchString(g.ComputeCapability):
			return errorsmod.Wrapf(ErrInvalidProvider, "gpus[%d].compute_capability: %q is not major.minor (like 9.0)", i, g.ComputeCapability)
		case g.Count == 0 || g.Count > MaxGPUsPerEntry:
			return errorsmod.Wrapf(ErrInvalidProvider, "gpus[%d].count: must be 1 to %d (got %d)", i, MaxGPUsPerEntry, g.Count)
		}
	}
	return ValidateAmount("price_per_gpu_hour", price)
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgRegisterProvider) ValidateBasic() error {
	if err := requireAddress("owner", m.Owner); err != nil {
		return err
	}
	if err := ValidateCapacity(m.Cpus, m.MemoryMib, m.DiskMib); err != nil {
		return err
	}
	return ValidateProviderFields(m.PeerId, m.Multiaddrs, m.Gpus, m.PricePerGpuHour)
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgUpdateProvider) ValidateBasic() error {
	if err := requireAddress("owner", m.Owner); err != nil {
		return err
	}
	if err := ValidateCapacity(m.Cpus, m.MemoryMib, m.DiskMib); err != nil {
		return err
	}
	return ValidateProviderFields(m.PeerId, m.Multiaddrs, m.Gpus, m.PricePerGpuHour)
}

func validateStakeMsg(staker string, role Role, amount sdk.Coin) error {
	if err := requireAddress("staker", staker); err != nil {
		return err
	}
	if err := ValidateRole(role); err != nil {
		return err
	}
	return ValidateAmount("amount", amount)
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgStake) ValidateBasic() error { return validateStakeMsg(m.Staker, m.Role, m.Amount) }

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgUnstake) ValidateBasic() error { return validateStakeMsg(m.Staker, m.Role, m.Amount) }

// ValidateBasic implements sdk.HasValidateBasic. It parses the spec so that
// invalid specs never reach the mempool (CheckTx does not run handlers).
func (m *MsgCreateJob) ValidateBasic() error {
	if err := requireAddress("client", m.Client); err != nil {
		return err
	}
	_, err := ParseJobSpec(m.Spec)
	return err
}

// ParseJobSpec decodes a spec as the chain stores it, wrapping the parser's
// field error in the module's registered error.
func ParseJobSpec(spec string) (*jobspec.Spec, error) {
	s, err := jobspec.ParseCanonical([]byte(spec))
	if err != nil {
		// Every field error says "job spec: "; once under "spec:" is enough.
		return nil, errorsmod.Wrap(ErrInvalidJobSpec, "spec: "+strings.ReplaceAll(err.Error(), "job spec: ", ""))
	}
	return s, nil
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgCancelJob) ValidateBasic() error {
	if err := requireAddress("client", m.Client); err != nil {
		return err
	}
	if m.JobId == 0 {
		return errorsmod.Wrap(ErrJobNotFound, "job_id: must be positive; job IDs start at 1 (see gpunet job list)")
	}
	return nil
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := requireAddress("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}
