package runtime

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestTaskHandleRoundTrip(t *testing.T) {
	type state struct {
		Version     int    `json:"version"`
		ContainerID string `json:"container_id"`
	}
	h := &TaskHandle{Version: HandleVersion, Driver: "docker", ID: "abc", JobID: "j"}
	if err := h.SetDriverState(state{1, "abc"}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var h2 TaskHandle
	if err := json.Unmarshal(b, &h2); err != nil {
		t.Fatal(err)
	}
	var s state
	if err := h2.GetDriverState(&s); err != nil || s.ContainerID != "abc" {
		t.Fatalf("state = %+v, %v", s, err)
	}
	if err := h2.Check("docker"); err != nil {
		t.Fatalf("check: %v", err)
	}
	if err := h2.Check("exec"); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("check other driver = %v", err)
	}
	h2.Version = 99
	if err := h2.Check("docker"); !errors.Is(err, ErrHandleVersion) {
		t.Fatalf("check version 99 = %v", err)
	}
}
