package runner

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"

	gprt "github.com/gpunet/gpunet/runtime"
)

// RecordVersion is the Record format this package writes.
const RecordVersion = 1

// State is where a run is.
type State string

// The states of a run (see the package doc).
const (
	StateStarting   State = "starting"
	StateRunning    State = "running"
	StateRestarting State = "restarting"
	StateStopped    State = "stopped"
	StateSucceeded  State = "succeeded"
	StateFailed     State = "failed"
)

// Terminal reports whether the run has ended for good.
func (s State) Terminal() bool { return s == StateSucceeded || s == StateFailed }

// Checkpoint is a committed checkpoint as the run records it.
type Checkpoint struct {
	Step int64  `json:"step"`
	Name string `json:"name"`
	// Root is the hex Merkle root of the file (runtime/commit).
	Root   string `json:"root"`
	Size   int64  `json:"size"`
	Chunks uint64 `json:"chunks"`
}

// RootBytes decodes Root.
func (c Checkpoint) RootBytes() ([]byte, error) {
	b, err := hex.DecodeString(c.Root)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("checkpoint %s: root %q is not 32 hex bytes", c.Name, c.Root)
	}
	return b, nil
}

// Record is the persisted state of one run.
type Record struct {
	Version int    `json:"version"`
	Job     Job    `json:"job"`
	State   State  `json:"state"`
	Driver  string `json:"driver"`
	// Attempt counts the tasks started for this run, from 1.
	Attempt int              `json:"attempt"`
	Handle  *gprt.TaskHandle `json:"handle,omitempty"`
	GPUs    []string         `json:"gpus,omitempty"`
	// Checkpoints are sorted by step, one per step.
	Checkpoints []Checkpoint      `json:"checkpoints"`
	Exit        *gprt.ExitResult  `json:"exit,omitempty"`
	Error       string            `json:"error,omitempty"`
	Rejected    map[string]string `json:"rejected,omitempty"`
}

// Last is the committed checkpoint with the highest step, or false.
func (r Record) Last() (Checkpoint, bool) {
	if len(r.Checkpoints) == 0 {
		return Checkpoint{}, false
	}
	return r.Checkpoints[len(r.Checkpoints)-1], true
}

// LastStep is the step the run has reached: its last committed checkpoint,
// or the job's start step.
func (r Record) LastStep() int64 {
	if c, ok := r.Last(); ok {
		return c.Step
	}
	return r.Job.StartStep
}

// addCheckpoint inserts c in step order and reports whether it is new. A
// second file for a step already committed with another root is an error:
// a deterministic job never writes two different states for one step.
func (r *Record) addCheckpoint(c Checkpoint) (bool, error) {
	i, found := slices.BinarySearchFunc(r.Checkpoints, c.Step, func(e Checkpoint, s int64) int {
		switch {
		case e.Step < s:
			return -1
		case e.Step > s:
			return 1
		}
		return 0
	})
	if found {
		if r.Checkpoints[i].Root != c.Root {
			return false, fmt.Errorf("checkpoint for step %d changed: root %s, then %s", c.Step, r.Checkpoints[i].Root, c.Root)
		}
		return false, nil
	}
	r.Checkpoints = slices.Insert(r.Checkpoints, i, c)
	return true, nil
}

// Store persists run records. node/store implements it with bbolt;
// MemStore keeps them in memory.
type Store interface {
	SaveRun(r Record) error
	// LoadRun returns the record of jobID and whether there was one.
	LoadRun(jobID string) (Record, bool, error)
	DeleteRun(jobID string) error
	// ListRuns returns every record in job ID order.
	ListRuns() ([]Record, error)
}

var _ Store = (*MemStore)(nil)

// MemStore is a Store in memory, for tests and runs that need no restart.
type MemStore struct {
	mu   sync.Mutex
	runs map[string][]byte
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{runs: map[string][]byte{}} }

// SaveRun implements Store. Records are copied through their JSON form, as
// a persistent store would.
func (m *MemStore) SaveRun(r Record) error {
	b, err := encodeRecord(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[r.Job.ID] = b
	return nil
}

// LoadRun implements Store.
func (m *MemStore) LoadRun(jobID string) (Record, bool, error) {
	m.mu.Lock()
	b, ok := m.runs[jobID]
	m.mu.Unlock()
	if !ok {
		return Record{}, false, nil
	}
	r, err := DecodeRecord(b)
	return r, true, err
}

// ListRuns implements Store.
func (m *MemStore) ListRuns() ([]Record, error) {
	m.mu.Lock()
	ids := slices.Sorted(maps.Keys(m.runs))
	m.mu.Unlock()
	out := make([]Record, 0, len(ids))
	for _, id := range ids {
		r, ok, err := m.LoadRun(id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// DeleteRun implements Store.
func (m *MemStore) DeleteRun(jobID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.runs, jobID)
	return nil
}
