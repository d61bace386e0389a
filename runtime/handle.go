package runtime

import (
	"encoding/json"
	"fmt"
	"time"
)

// HandleVersion is the TaskHandle format this package writes.
const HandleVersion = 1

// TaskHandle is the persisted, versioned state of a started task. DriverState
// is opaque to everyone but the driver that wrote it.
type TaskHandle struct {
	Version     int             `json:"version"`
	Driver      string          `json:"driver"`
	ID          string          `json:"id"`
	JobID       string          `json:"job_id"`
	Segment     string          `json:"segment,omitempty"`
	StartedAt   time.Time       `json:"started_at"`
	DriverState json.RawMessage `json:"driver_state,omitempty"`
}

// SetDriverState encodes s as the handle's driver state.
func (h *TaskHandle) SetDriverState(s any) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode driver state: %w", err)
	}
	h.DriverState = b
	return nil
}

// GetDriverState decodes the handle's driver state into s.
func (h *TaskHandle) GetDriverState(s any) error {
	if len(h.DriverState) == 0 {
		return nil
	}
	if err := json.Unmarshal(h.DriverState, s); err != nil {
		return fmt.Errorf("decode driver state: %w", err)
	}
	return nil
}

// Check verifies the handle was written by driver in a known version.
func (h *TaskHandle) Check(driver string) error {
	if h == nil || h.ID == "" {
		return fmt.Errorf("check handle: %w: empty handle", ErrInvalidConfig)
	}
	if h.Version != HandleVersion {
		return fmt.Errorf("check handle %s: %w: %d", h.ID, ErrHandleVersion, h.Version)
	}
	if h.Driver != driver {
		return fmt.Errorf("check handle %s: driver %q, want %q: %w", h.ID, h.Driver, driver, ErrInvalidConfig)
	}
	return nil
}
