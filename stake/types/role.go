package types

import (
	"fmt"
	"strings"

	errorsmod "cosmossdk.io/errors"
)

// Roles lists the roles one can stake for, in display order.
var Roles = []Role{ROLE_PROVIDER, ROLE_VERIFIER}

// ShortName is the role as people type it: "provider" or "verifier".
func (r Role) ShortName() string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))
}

// ValidateRole accepts only the roles one can stake for.
func ValidateRole(r Role) error {
	if r == ROLE_PROVIDER || r == ROLE_VERIFIER {
		return nil
	}
	return errorsmod.Wrapf(ErrInvalidRole, "role: unknown role %d; use provider or verifier", int32(r))
}

// ParseRole reads "provider", "verifier" or the enum names.
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "provider", "role_provider":
		return ROLE_PROVIDER, nil
	case "verifier", "role_verifier":
		return ROLE_VERIFIER, nil
	}
	return ROLE_UNSPECIFIED, errorsmod.Wrapf(ErrInvalidRole, "role: unknown role %q; use provider or verifier", s)
}

// ShortName is the status as people read it: "pending", "running", ...
func (s JobStatus) ShortName() string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "JOB_STATUS_"))
}

// ParseJobStatus reads "pending", "running", ... or the enum names.
func ParseJobStatus(s string) (JobStatus, error) {
	up := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(up, "JOB_STATUS_") {
		up = "JOB_STATUS_" + up
	}
	if v, ok := JobStatus_value[up]; ok && v != 0 {
		return JobStatus(v), nil
	}
	return JOB_STATUS_UNSPECIFIED, fmt.Errorf("status: unknown job status %q; use one of pending, leased, running, verifying, succeeded, slashed, failed, cancelled", s)
}

// Terminal reports whether a job in this status will never change again.
func (s JobStatus) Terminal() bool {
	switch s {
	case JOB_STATUS_SUCCEEDED, JOB_STATUS_SLASHED, JOB_STATUS_FAILED, JOB_STATUS_CANCELLED:
		return true
	}
	return false
}
