package store

import (
	"encoding/json"
	"fmt"

	"github.com/gpunet/gpunet/runtime/alloc"
)

// allocBucket holds GPU allocations: key job ID, value the JSON list of the
// GPU UUIDs the job holds.
const allocBucket = "gpu_allocations"

var _ alloc.Store = (*Store)(nil)

// LoadAllocations returns every persisted GPU allocation (job ID -> UUIDs).
// Checking that they are consistent is the allocator's business.
func (s *Store) LoadAllocations() (map[string][]string, error) {
	out := make(map[string][]string)
	err := s.Each(allocBucket, func(job string, raw json.RawMessage) error {
		var uuids []string
		if err := json.Unmarshal(raw, &uuids); err != nil {
			return fmt.Errorf("decode %s/%s: %w", allocBucket, job, err)
		}
		out[job] = uuids
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveAllocation durably records that job holds uuids.
func (s *Store) SaveAllocation(job string, uuids []string) error {
	if uuids == nil {
		uuids = []string{} // "[]", never "null"
	}
	return s.Put(allocBucket, job, uuids)
}

// DeleteAllocation removes job's allocation; a missing one is not an error.
func (s *Store) DeleteAllocation(job string) error {
	return s.Delete(allocBucket, job)
}
