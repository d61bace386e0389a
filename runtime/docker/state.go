package docker

import "sync"

// StateVersion is the version of the driver state stored in a TaskHandle.
const StateVersion = 1

// TaskState is the docker driver's part of a gprt.TaskHandle.
type TaskState struct {
	Version     int    `json:"version"`
	ContainerID string `json:"container_id"`
	Image       string `json:"image"`
}

// taskStore maps task IDs (container IDs) to what the driver knows of them.
type taskStore struct {
	mu    sync.RWMutex
	tasks map[string]TaskState
}

func newTaskStore() *taskStore { return &taskStore{tasks: map[string]TaskState{}} }

func (s *taskStore) set(id string, st TaskState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[id] = st
}

func (s *taskStore) get(id string) (TaskState, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st, ok := s.tasks[id]
	return st, ok
}

func (s *taskStore) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tasks, id)
}
