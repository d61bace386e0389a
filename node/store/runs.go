package store

import (
	"encoding/json"
	"fmt"

	"github.com/gpunet/gpunet/runtime/runner"
)

// runsBucket holds the runtime's run records: key job ID, value the
// runner.Record as JSON.
const runsBucket = "runs"

var _ runner.Store = (*Store)(nil)

// SaveRun durably records r.
func (s *Store) SaveRun(r runner.Record) error { return s.Put(runsBucket, r.Job.ID, r) }

// LoadRun returns the record of jobID and whether there was one. A record
// this build cannot read is an error, never silently dropped.
func (s *Store) LoadRun(jobID string) (runner.Record, bool, error) {
	var raw json.RawMessage
	ok, err := s.Get(runsBucket, jobID, &raw)
	if err != nil || !ok {
		return runner.Record{}, ok, err
	}
	r, err := runner.DecodeRecord(raw)
	if err != nil {
		return runner.Record{}, true, fmt.Errorf("load %s/%s: %w", runsBucket, jobID, err)
	}
	return r, true, nil
}

// DeleteRun removes the record of jobID.
func (s *Store) DeleteRun(jobID string) error { return s.Delete(runsBucket, jobID) }

// ListRuns returns every run record in job ID order.
func (s *Store) ListRuns() ([]runner.Record, error) {
	var out []runner.Record
	err := s.Each(runsBucket, func(key string, raw json.RawMessage) error {
		r, err := runner.DecodeRecord(raw)
		if err != nil {
			return fmt.Errorf("load %s/%s: %w", runsBucket, key, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
