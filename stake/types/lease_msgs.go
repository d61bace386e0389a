package types

import (
	"strconv"

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
	return ValidateReports(m.Checkpoints)
}

// ValidateReports checks a ReportCheckpoints batch on its own: 1 to
// MaxReportsPerMsg reports, each valid, in increasing step order.
func ValidateReports(reports []CheckpointReport) error {
	if len(reports) == 0 || len(reports) > MaxReportsPerMsg {
		return errorsmod.Wrapf(ErrInvalidReport, "checkpoints: give 1 to %d reports (got %d)", MaxReportsPerMsg, len(reports))
	}
	for i, r := range reports {
		field := "checkpoints[" + strconv.Itoa(i) + "]"
		if err := ValidateReport(field, r); err != nil {
			return err
		}
		if i > 0 && r.Step <= reports[i-1].Step {
			return errorsmod.Wrapf(ErrInvalidReport, "%s.step: %d does not follow %d; report in increasing step order", field, r.Step, reports[i-1].Step)
		}
	}
	return nil
}

// ValidateReason checks a FailJob reason: said, and short enough to store.
func ValidateReason(reason string) error {
	if reason == "" || len(reason) > MaxReasonLen {
		return errorsmod.Wrapf(ErrInvalidReport, "reason: say why the job failed in 1 to %d bytes", MaxReasonLen)
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
	return ValidateReason(m.Reason)
}
