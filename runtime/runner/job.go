package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gpunet/gpunet/stake/jobspec"
)

// Job is the work a Run does: steps [StartStep, EndStep) of a spec.
type Job struct {
	// ID names the job in labels, directories and records; the chain's job ID
	// on a provider, any safe name for a local run.
	ID   string
	Spec *jobspec.Spec
	// Image and Command are what the driver runs: the spec's own for docker,
	// a host executable and its arguments for exec.
	Image   string
	Command []string
	Seed    uint64
	// StartStep is the step the run starts from; ResumeFrom is the host path
	// of the checkpoint holding it, required unless StartStep is 0.
	StartStep  int64
	ResumeFrom string
	// EndStep is the last step; 0 means the spec's steps.
	EndStep int64
}

// End is the step the run ends at.
func (j Job) End() int64 {
	if j.EndStep == 0 && j.Spec != nil {
		return j.Spec.Steps
	}
	return j.EndStep
}

// Validate checks the job before anything is created for it.
func (j Job) Validate() error {
	var errs []string
	if !safeID(j.ID) {
		errs = append(errs, fmt.Sprintf("id %q: use 1 to 128 letters, digits, '.', '_' and '-', not starting with '.'", j.ID))
	}
	if j.Spec == nil {
		errs = append(errs, "spec is missing")
	} else {
		if err := j.Spec.Validate(); err != nil {
			errs = append(errs, err.Error())
		}
		end := j.End()
		switch {
		case j.StartStep < 0:
			errs = append(errs, fmt.Sprintf("start step %d is negative", j.StartStep))
		case end <= j.StartStep:
			errs = append(errs, fmt.Sprintf("end step %d must be after start step %d", end, j.StartStep))
		case end > j.Spec.Steps:
			errs = append(errs, fmt.Sprintf("end step %d is past the spec's steps (%d)", end, j.Spec.Steps))
		}
	}
	if j.Image == "" {
		errs = append(errs, "image is empty")
	}
	if j.StartStep > 0 && j.ResumeFrom == "" {
		errs = append(errs, fmt.Sprintf("start step %d needs the checkpoint to resume from", j.StartStep))
	}
	if j.ResumeFrom != "" && !filepath.IsAbs(j.ResumeFrom) {
		errs = append(errs, fmt.Sprintf("resume-from %q must be an absolute path", j.ResumeFrom))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidJob, strings.Join(errs, "; "))
	}
	return nil
}

func safeID(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// jobJSON is Job as stored: the spec in its canonical form.
type jobJSON struct {
	ID         string          `json:"id"`
	Spec       json.RawMessage `json:"spec"`
	Image      string          `json:"image"`
	Command    []string        `json:"command"`
	Seed       uint64          `json:"seed"`
	StartStep  int64           `json:"start_step"`
	ResumeFrom string          `json:"resume_from,omitempty"`
	EndStep    int64           `json:"end_step"`
}

// MarshalJSON stores the spec as canonical JSON.
func (j Job) MarshalJSON() ([]byte, error) {
	if j.Spec == nil {
		return nil, fmt.Errorf("encode job %s: %w: spec is missing", j.ID, ErrInvalidJob)
	}
	spec, err := j.Spec.Canonical()
	if err != nil {
		return nil, fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	return json.Marshal(jobJSON{ID: j.ID, Spec: spec, Image: j.Image, Command: j.Command, Seed: j.Seed,
		StartStep: j.StartStep, ResumeFrom: j.ResumeFrom, EndStep: j.EndStep})
}

// UnmarshalJSON parses the stored spec strictly, as the chain would.
func (j *Job) UnmarshalJSON(b []byte) error {
	var v jobJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("decode job: %w", err)
	}
	// Indented output (gpunet run --output json) is read back too; the
	// canonical form has no insignificant whitespace.
	var compact bytes.Buffer
	if err := json.Compact(&compact, v.Spec); err != nil {
		return fmt.Errorf("decode job %s: spec: %w", v.ID, err)
	}
	spec, err := jobspec.ParseCanonical(compact.Bytes())
	if err != nil {
		return fmt.Errorf("decode job %s: %w", v.ID, err)
	}
	*j = Job{ID: v.ID, Spec: spec, Image: v.Image, Command: v.Command, Seed: v.Seed,
		StartStep: v.StartStep, ResumeFrom: v.ResumeFrom, EndStep: v.EndStep}
	return nil
}
