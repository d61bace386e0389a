package types

import (
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

var (
	_ sdk.Msg = (*MsgAcceptLease)(nil)
	_ sdk.Msg = (*MsgReportCheckpoints)(nil)
	_ sdk.Msg = (*MsgCompleteJob)(nil)
	_ sdk.Msg = (*MsgFailJob)(nil)
)

// Bounds on lease messages: they land in every node's state.
const (
	// RootLen is the length of a checkpoint commitment (SHA-256).
	RootLen = 32
	// MaxReportsPerMsg bounds one ReportCheckpoints.
	MaxReportsPerMsg = 64
	// MaxReasonLen bounds a FailJob reason.
	MaxReasonLen = 512
	// Capacity bounds keep sums far from overflow.
	MaxProviderCPUs      = 1 << 16
	MaxProviderMemoryMiB = 1 << 36 // 64 PiB
	MaxProviderDiskMiB   = 1 << 40
)

// ValidateCapacity checks a provider's CPU, memory and disk capacity.
func ValidateCapacity(cpus, memoryMiB, diskMiB uint64) error {
	switch {
	case cpus > MaxProviderCPUs:
		return errorsmod.Wrapf(ErrInvalidCapacity, "cpus: %d is more than %d", cpus, uint64(MaxProviderCPUs))
	case memoryMiB > MaxProviderMemoryMiB:
		return errorsmod.Wrapf(ErrInvalidCapacity, "memory_mib: %d is more than %d", memoryMiB, uint64(MaxProviderMemoryMiB))
	case diskMiB > MaxProviderDiskMiB:
		return errorsmod.Wrapf(ErrInvalidCapacity, "disk_mib: %d is more than %d", diskMiB, uint64(MaxProviderDiskMiB))
	}
	return nil
}

func validateLeaseMsg(provider string, jobID uint64) error {
	if err := requireAddress("provider", provider); err != nil {
		return err
	}
	if jobID == 0 {
		return errorsmod.Wrap(ErrJobNotFound, "job_id: must be positive; job IDs start at 1")
	}
	return nil
}

// ValidateReport checks one (step, root) pair on its own; the keeper checks
// it against the job.
func ValidateReport(field string, r CheckpointReport) error {
	if r.Step <= 0 {
		return errorsmod.Wrapf(ErrInvalidReport, "%s.step: must be positive (got %d)", field, r.Step)
	}
	if len(r.Root) != RootLen {
		return errorsmod.Wrapf(ErrInvalidReport, "%s.root: must be the %d-byte Merkle root of the checkpoint (got %d bytes)", field, RootLen, len(r.Root))
	}
	return nil
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgAcceptLease) ValidateBasic() error { return validateLeaseMsg(m.Provider, m.JobId) }

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgReportCheckpoints) ValidateBasic() error {
	if err := validateLeaseMsg(m.Provider, m.JobId); err != nil {
		return err
	}
	if len(m.Checkpoints) == 0 || len(m.Checkpoints) > MaxReportsPerMsg {
		return errorsmod.Wrapf(ErrInvalidReport, "checkpoints: give 1 to %d reports (got %d)", MaxReportsPerMsg, len(m.Checkpoints))
	}
	for i, r := range m.Checkpoints {
		field := "checkpoints[" + itoa(i) + "]"
		if err := ValidateReport(field, r); err != nil {
			return err
		}
		if i > 0 && r.Step <= m.Checkpoints[i-1].Step {
			return errorsmod.Wrapf(ErrInvalidReport, "%s.step: %d does not follow %d; report in increasing step order", field, r.Step, m.Checkpoints[i-1].Step)
		}
	}
	return nil
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgCompleteJob) ValidateBasic() error {
	if err := validateLeaseMsg(m.Provider, m.JobId); err != nil {
		return err
	}
	return ValidateReport("final", m.Final)
}

// ValidateBasic implements sdk.HasValidateBasic.
func (m *MsgFailJob) ValidateBasic() error {
	if err := validateLeaseMsg(m.Provider, m.JobId); err != nil {
		return err
	}
	if m.Reason == "" || len(m.Reason) > MaxReasonLen {
		return errorsmod.Wrapf(ErrInvalidReport, "reason: say why the job failed in 1 to %d bytes", MaxReasonLen)
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
