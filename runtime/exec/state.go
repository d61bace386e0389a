package exec

import (
	"os/exec"
	"sync"
)

// StateVersion is the version of the driver state stored in a TaskHandle.
const StateVersion = 1

// TaskState is the exec driver's part of a gprt.TaskHandle.
type TaskState struct {
	Version int `json:"version"`
	PID     int `json:"pid"`
	// StartTime is field 22 of /proc/<pid>/stat, to detect PID reuse.
	StartTime  uint64 `json:"start_time"`
	Executable string `json:"executable"`
	LogPath    string `json:"log_path"`
}

// task is a running or finished process the driver knows.
type task struct {
	st   TaskState
	cmd  *exec.Cmd     // nil for a recovered task
	done chan struct{} // closed when the process is gone
	res  resultBox
}

// taskStore maps task IDs to tasks.
type taskStore struct {
	mu    sync.RWMutex
	tasks map[string]*task
}

func newTaskStore() *taskStore { return &taskStore{tasks: map[string]*task{}} }

func (s *taskStore) set(id string, t *task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[id] = t
}

func (s *taskStore) get(id string) (*task, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tasks[id]
	return t, ok
}

func (s *taskStore) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tasks, id)
}
