package offers

import "sync"

// MemorySequenceStore keeps the sequence in memory: for tests and for nodes
// that never publish. It survives nothing.
type MemorySequenceStore struct {
	mu  sync.Mutex
	seq uint64
}

var _ SequenceStore = (*MemorySequenceStore)(nil)

// LoadSequence returns the last saved sequence (0 if none).
func (s *MemorySequenceStore) LoadSequence() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq, nil
}

// SaveSequence records seq.
func (s *MemorySequenceStore) SaveSequence(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq = seq
	return nil
}
