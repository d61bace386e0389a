package alloc

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
)

// Allocator hands whole GPUs to jobs and persists every change through a
// Store before reporting it. It is safe for concurrent use.
type Allocator struct {
	store Store
	log   *slog.Logger

	mu      sync.Mutex
	gpus    []string            // offerable GPUs, in the caller's order
	offered map[string]bool     // set view of gpus
	jobs    map[string][]string // job ID -> GPUs it holds, in allocation order
	holder  map[string]string   // GPU UUID -> job ID holding it
}

// Option configures an Allocator.
type Option func(*Allocator)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(a *Allocator) { a.log = l } }

// New loads the persisted allocations. gpus is the ordered list of offerable
// GPU UUIDs. An allocation that names a GPU not in gpus is kept (the GPU stays
// held until Release) and logged once.
//
// Persisted allocations that contradict themselves (a UUID listed twice, or
// held by two jobs) are an error naming the jobs: the allocator never guesses
// which job owns a GPU.
func New(store Store, gpus []string, opts ...Option) (*Allocator, error) {
	if store == nil {
		return nil, fmt.Errorf("new allocator: nil store: %w", ErrInvalid)
	}
	a := &Allocator{
		store:  store,
		log:    slog.New(slog.DiscardHandler),
		jobs:   make(map[string][]string),
		holder: make(map[string]string),
	}
	for _, o := range opts {
		o(a)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if err := checkGPUs(gpus); err != nil {
		return nil, fmt.Errorf("new allocator: %w", err)
	}
	a.setGPUs(slices.Clone(gpus))

	loaded, err := store.LoadAllocations()
	if err != nil {
		return nil, fmt.Errorf("load GPU allocations: %w", err)
	}
	// Sorted, so that errors and logs name the same jobs on every run.
	for _, job := range slices.Sorted(maps.Keys(loaded)) {
		uuids := loaded[job]
		if job == "" {
			return nil, fmt.Errorf("stored GPU allocation %v has an empty job ID: %w", uuids, ErrInvalid)
		}
		if len(uuids) == 0 {
			a.log.Warn("ignoring stored GPU allocation with no GPUs", "job", job)
			continue
		}
		var missing []string
		for i, u := range uuids {
			if u == "" {
				return nil, fmt.Errorf("stored GPU allocation of job %q has an empty GPU UUID: %w", job, ErrInvalid)
			}
			if slices.Contains(uuids[:i], u) {
				return nil, fmt.Errorf("stored GPU allocation of job %q lists GPU %s twice: %w", job, u, ErrInvalid)
			}
			if other, ok := a.holder[u]; ok {
				return nil, fmt.Errorf("stored GPU allocations of jobs %q and %q both hold GPU %s: %w", other, job, u, ErrInvalid)
			}
			a.holder[u] = job
			if !a.offered[u] {
				missing = append(missing, u)
			}
		}
		a.jobs[job] = slices.Clone(uuids)
		if len(missing) > 0 {
			a.log.Warn("stored GPU allocation names GPUs that are not offered; they stay held until the job is released",
				"job", job, "gpus", missing)
		}
	}
	return a, nil
}

// Allocate gives jobID n whole GPUs, never one another job holds.
//
// It is idempotent: a job that already holds exactly n GPUs gets the same ones
// back; a job holding a different count gets an error wrapping ErrInvalid.
// n == 0 (for a job holding nothing) returns nil and stores nothing. It picks
// the first free GPUs in the order of the offerable list, and persists the
// allocation before returning; on a store error nothing is held. When too few
// are free the error wraps ErrInsufficient and says how many are.
func (a *Allocator) Allocate(jobID string, n int) ([]string, error) {
	if jobID == "" {
		return nil, fmt.Errorf("allocate %d GPUs: empty job ID: %w", n, ErrInvalid)
	}
	if n < 0 {
		return nil, fmt.Errorf("allocate %d GPUs to job %q: negative count: %w", n, jobID, ErrInvalid)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if held, ok := a.jobs[jobID]; ok {
		if len(held) != n {
			return nil, fmt.Errorf("allocate %d GPUs to job %q: it already holds %d; release it first: %w", n, jobID, len(held), ErrInvalid)
		}
		return slices.Clone(held), nil
	}
	if n == 0 {
		return nil, nil
	}
	free := a.freeLocked()
	if len(free) < n {
		return nil, fmt.Errorf("allocate %d GPUs to job %q: %d free of %d offerable: %w", n, jobID, len(free), len(a.gpus), ErrInsufficient)
	}
	picked := slices.Clone(free[:n])
	if err := a.store.SaveAllocation(jobID, slices.Clone(picked)); err != nil {
		return nil, fmt.Errorf("allocate %d GPUs to job %q: persist: %w", n, jobID, err)
	}
	a.jobs[jobID] = picked
	for _, u := range picked {
		a.holder[u] = jobID
	}
	a.log.Info("allocated GPUs", "job", jobID, "gpus", picked)
	return slices.Clone(picked), nil
}

// Release frees jobID's GPUs, deleting the persisted allocation first; on a
// store error the GPUs stay held. Releasing an unknown job is not an error.
func (a *Allocator) Release(jobID string) error {
	if jobID == "" {
		return fmt.Errorf("release GPUs: empty job ID: %w", ErrInvalid)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	held, ok := a.jobs[jobID]
	if !ok {
		return nil
	}
	if err := a.store.DeleteAllocation(jobID); err != nil {
		return fmt.Errorf("release GPUs of job %q: persist: %w", jobID, err)
	}
	delete(a.jobs, jobID)
	for _, u := range held {
		delete(a.holder, u)
	}
	a.log.Info("released GPUs", "job", jobID, "gpus", held)
	return nil
}

// Held returns the GPUs jobID holds, or nil if none.
func (a *Allocator) Held(jobID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.jobs[jobID])
}

// Free returns the offerable GPUs no job holds, in the offerable order.
func (a *Allocator) Free() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.freeLocked()
}

// Allocations returns a copy of every allocation.
func (a *Allocator) Allocations() map[string][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return cloneAllocations(a.jobs)
}

// SetGPUs replaces the offerable set (a GPU turned unhealthy or came back).
// Held GPUs stay held whether or not they are still offerable. Empty and
// repeated UUIDs are dropped and logged.
func (a *Allocator) SetGPUs(gpus []string) {
	clean := make([]string, 0, len(gpus))
	for _, u := range gpus {
		if u == "" || slices.Contains(clean, u) {
			a.log.Warn("ignoring empty or repeated GPU UUID in the offerable set", "gpu", u)
			continue
		}
		clean = append(clean, u)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.setGPUs(clean)
}

func (a *Allocator) setGPUs(gpus []string) {
	a.gpus = gpus
	a.offered = make(map[string]bool, len(gpus))
	for _, u := range gpus {
		a.offered[u] = true
	}
}

func (a *Allocator) freeLocked() []string {
	var free []string
	for _, u := range a.gpus {
		if _, held := a.holder[u]; !held {
			free = append(free, u)
		}
	}
	return free
}

// checkGPUs refuses an offerable list with an empty or repeated UUID.
func checkGPUs(gpus []string) error {
	seen := make(map[string]bool, len(gpus))
	for _, u := range gpus {
		if u == "" {
			return fmt.Errorf("offerable GPU list has an empty UUID: %w", ErrInvalid)
		}
		if seen[u] {
			return fmt.Errorf("offerable GPU list names %s twice: %w", u, ErrInvalid)
		}
		seen[u] = true
	}
	return nil
}
