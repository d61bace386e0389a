package alloc

import (
	"slices"
	"sync"
)

// Store persists allocations (jobID -> GPU UUIDs). node/store implements it
// with bbolt; MemStore is the in-memory one.
type Store interface {
	// LoadAllocations returns every persisted allocation.
	LoadAllocations() (map[string][]string, error)
	// SaveAllocation durably records that jobID holds uuids, replacing any
	// earlier record for jobID.
	SaveAllocation(jobID string, uuids []string) error
	// DeleteAllocation removes jobID's record; a missing one is not an error.
	DeleteAllocation(jobID string) error
}

// MemStore is an in-memory Store, safe for concurrent use. It copies slices
// in and out, so callers may not alias its contents.
type MemStore struct {
	mu    sync.Mutex
	alloc map[string][]string
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{alloc: make(map[string][]string)} }

// LoadAllocations returns a copy of every allocation.
func (m *MemStore) LoadAllocations() (map[string][]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cloneAllocations(m.alloc), nil
}

// SaveAllocation records a copy of uuids for jobID.
func (m *MemStore) SaveAllocation(jobID string, uuids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.alloc[jobID] = slices.Clone(uuids)
	return nil
}

// DeleteAllocation forgets jobID.
func (m *MemStore) DeleteAllocation(jobID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.alloc, jobID)
	return nil
}

func cloneAllocations(in map[string][]string) map[string][]string {
	out := make(map[string][]string, len(in))
	for job, uuids := range in {
		out[job] = slices.Clone(uuids)
	}
	return out
}
