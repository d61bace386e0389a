package alloc

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

var errDisk = errors.New("disk on fire")

// failStore is a MemStore whose operations fail while the matching flag is set.
type failStore struct {
	*MemStore
	failLoad, failSave, failDelete bool
}

func newFailStore() *failStore { return &failStore{MemStore: NewMemStore()} }

func (f *failStore) LoadAllocations() (map[string][]string, error) {
	if f.failLoad {
		return nil, errDisk
	}
	return f.MemStore.LoadAllocations()
}

func (f *failStore) SaveAllocation(job string, uuids []string) error {
	if f.failSave {
		return errDisk
	}
	return f.MemStore.SaveAllocation(job, uuids)
}

func (f *failStore) DeleteAllocation(job string) error {
	if f.failDelete {
		return errDisk
	}
	return f.MemStore.DeleteAllocation(job)
}

// step is one call in a table case: allocate (n >= 0 with job), release
// (release set), or SetGPUs (setGPUs non-nil).
type step struct {
	job     string
	n       int
	release bool
	setGPUs []string

	want    []string // Allocate's result
	wantErr error
	errHas  string
}

func TestAllocator(t *testing.T) {
	four := []string{"GPU-0", "GPU-1", "GPU-2", "GPU-3"}
	tests := []struct {
		name      string
		gpus      []string
		steps     []step
		wantFree  []string
		wantAlloc map[string][]string
	}{
		{
			name:      "first free in list order",
			gpus:      four,
			steps:     []step{{job: "a", n: 2, want: []string{"GPU-0", "GPU-1"}}, {job: "b", n: 1, want: []string{"GPU-2"}}},
			wantFree:  []string{"GPU-3"},
			wantAlloc: map[string][]string{"a": {"GPU-0", "GPU-1"}, "b": {"GPU-2"}},
		},
		{
			name:      "order is the list's, not sorted",
			gpus:      []string{"GPU-z", "GPU-a", "GPU-m"},
			steps:     []step{{job: "a", n: 2, want: []string{"GPU-z", "GPU-a"}}},
			wantFree:  []string{"GPU-m"},
			wantAlloc: map[string][]string{"a": {"GPU-z", "GPU-a"}},
		},
		{
			name: "idempotent for the same count",
			gpus: four,
			steps: []step{
				{job: "a", n: 2, want: []string{"GPU-0", "GPU-1"}},
				{job: "b", n: 1, want: []string{"GPU-2"}},
				{job: "a", n: 2, want: []string{"GPU-0", "GPU-1"}},
			},
			wantFree:  []string{"GPU-3"},
			wantAlloc: map[string][]string{"a": {"GPU-0", "GPU-1"}, "b": {"GPU-2"}},
		},
		{
			name: "a different count is refused",
			gpus: four,
			steps: []step{
				{job: "a", n: 2, want: []string{"GPU-0", "GPU-1"}},
				{job: "a", n: 1, wantErr: ErrInvalid, errHas: `job "a"`},
				{job: "a", n: 0, wantErr: ErrInvalid, errHas: "holds 2"},
			},
			wantFree:  []string{"GPU-2", "GPU-3"},
			wantAlloc: map[string][]string{"a": {"GPU-0", "GPU-1"}},
		},
		{
			name:      "zero GPUs holds and stores nothing",
			gpus:      four,
			steps:     []step{{job: "cpu", n: 0}},
			wantFree:  four,
			wantAlloc: map[string][]string{},
		},
		{
			name: "insufficient says how many are free",
			gpus: four,
			steps: []step{
				{job: "a", n: 3, want: []string{"GPU-0", "GPU-1", "GPU-2"}},
				{job: "b", n: 2, wantErr: ErrInsufficient, errHas: `job "b": 1 free of 4`},
				{job: "c", n: 5, wantErr: ErrInsufficient, errHas: "allocate 5"},
			},
			wantFree:  []string{"GPU-3"},
			wantAlloc: map[string][]string{"a": {"GPU-0", "GPU-1", "GPU-2"}},
		},
		{
			name:      "no GPUs at all",
			gpus:      nil,
			steps:     []step{{job: "a", n: 1, wantErr: ErrInsufficient, errHas: "0 free of 0"}, {job: "cpu", n: 0}},
			wantFree:  nil,
			wantAlloc: map[string][]string{},
		},
		{
			name: "bad input",
			gpus: four,
			steps: []step{
				{job: "", n: 1, wantErr: ErrInvalid, errHas: "empty job ID"},
				{job: "a", n: -1, wantErr: ErrInvalid, errHas: `job "a"`},
				{job: "", release: true, wantErr: ErrInvalid},
			},
			wantFree:  four,
			wantAlloc: map[string][]string{},
		},
		{
			name: "release frees, unknown release is fine",
			gpus: four,
			steps: []step{
				{job: "a", n: 2, want: []string{"GPU-0", "GPU-1"}},
				{job: "b", n: 1, want: []string{"GPU-2"}},
				{job: "a", release: true},
				{job: "a", release: true},
				{job: "nobody", release: true},
				{job: "c", n: 3, want: []string{"GPU-0", "GPU-1", "GPU-3"}},
			},
			wantFree:  nil,
			wantAlloc: map[string][]string{"b": {"GPU-2"}, "c": {"GPU-0", "GPU-1", "GPU-3"}},
		},
		{
			name: "SetGPUs keeps held GPUs held",
			gpus: four,
			steps: []step{
				{job: "a", n: 1, want: []string{"GPU-0"}},
				{setGPUs: []string{"GPU-2", "GPU-1"}},
				{job: "a", n: 1, want: []string{"GPU-0"}},
				{job: "b", n: 2, want: []string{"GPU-2", "GPU-1"}},
				{setGPUs: four},
				{job: "c", n: 2, wantErr: ErrInsufficient, errHas: "1 free of 4"},
			},
			wantFree:  []string{"GPU-3"},
			wantAlloc: map[string][]string{"a": {"GPU-0"}, "b": {"GPU-2", "GPU-1"}},
		},
		{
			name: "a released unoffered GPU does not become free",
			gpus: four,
			steps: []step{
				{job: "a", n: 1, want: []string{"GPU-0"}},
				{setGPUs: []string{"GPU-1", "GPU-1", "", "GPU-3"}},
				{job: "a", release: true},
			},
			wantFree:  []string{"GPU-1", "GPU-3"},
			wantAlloc: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewMemStore()
			a, err := New(store, tt.gpus)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				switch {
				case s.setGPUs != nil:
					a.SetGPUs(s.setGPUs)
				case s.release:
					err := a.Release(s.job)
					checkErr(t, i, err, s)
				default:
					got, err := a.Allocate(s.job, s.n)
					checkErr(t, i, err, s)
					if !reflect.DeepEqual(got, s.want) {
						t.Fatalf("step %d: Allocate(%q, %d) = %v; want %v", i, s.job, s.n, got, s.want)
					}
				}
			}
			if got := a.Free(); !reflect.DeepEqual(got, tt.wantFree) {
				t.Errorf("Free() = %v; want %v", got, tt.wantFree)
			}
			if got := a.Allocations(); !reflect.DeepEqual(got, tt.wantAlloc) {
				t.Errorf("Allocations() = %v; want %v", got, tt.wantAlloc)
			}
			for job, want := range tt.wantAlloc {
				if got := a.Held(job); !reflect.DeepEqual(got, want) {
					t.Errorf("Held(%q) = %v; want %v", job, got, want)
				}
			}
			if stored, _ := store.LoadAllocations(); !reflect.DeepEqual(stored, tt.wantAlloc) {
				t.Errorf("stored %v; want %v", stored, tt.wantAlloc)
			}
		})
	}
}

func checkErr(t *testing.T, i int, err error, s step) {
	t.Helper()
	if s.wantErr == nil {
		if err != nil {
			t.Fatalf("step %d (job %q): unexpected error %v", i, s.job, err)
		}
		return
	}
	if !errors.Is(err, s.wantErr) {
		t.Fatalf("step %d (job %q): error %v; want %v", i, s.job, err, s.wantErr)
	}
	if !strings.Contains(err.Error(), s.errHas) {
		t.Fatalf("step %d: error %q does not say %q", i, err, s.errHas)
	}
}

func TestHeldAndFreeAreCopies(t *testing.T) {
	a, err := New(NewMemStore(), []string{"GPU-0", "GPU-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Held("nobody"); got != nil {
		t.Fatalf("Held of an unknown job = %v; want nil", got)
	}
	got, _ := a.Allocate("a", 1)
	got[0] = "mutated"
	a.Held("a")[0] = "mutated"
	a.Allocations()["a"][0] = "mutated"
	a.Free()[0] = "mutated"
	if h := a.Held("a"); !reflect.DeepEqual(h, []string{"GPU-0"}) {
		t.Fatalf("caller mutation leaked in: %v", h)
	}
	if f := a.Free(); !reflect.DeepEqual(f, []string{"GPU-1"}) {
		t.Fatalf("caller mutation leaked in: %v", f)
	}
}

func TestReloadGivesSameHoldings(t *testing.T) {
	gpus := []string{"GPU-0", "GPU-1", "GPU-2", "GPU-3"}
	store := NewMemStore()
	a, err := New(store, gpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		job string
		n   int
	}{{"a", 1}, {"b", 2}, {"c", 1}} {
		if _, err := a.Allocate(r.job, r.n); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Release("c"); err != nil {
		t.Fatal(err)
	}

	b, err := New(store, gpus)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.Allocations(), a.Allocations(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reload %v; before %v", got, want)
	}
	if got, want := b.Free(), a.Free(); !reflect.DeepEqual(got, want) {
		t.Fatalf("free after reload %v; before %v", got, want)
	}
	// The reloaded allocator is idempotent over what it loaded.
	if got, err := b.Allocate("b", 2); err != nil || !reflect.DeepEqual(got, a.Held("b")) {
		t.Fatalf("Allocate after reload: %v, %v; want %v", got, err, a.Held("b"))
	}
}

func TestStoreFailures(t *testing.T) {
	gpus := []string{"GPU-0", "GPU-1"}
	store := newFailStore()
	a, err := New(store, gpus)
	if err != nil {
		t.Fatal(err)
	}

	store.failSave = true
	if got, err := a.Allocate("a", 1); !errors.Is(err, errDisk) || got != nil || !strings.Contains(err.Error(), `job "a"`) {
		t.Fatalf("Allocate on a failing store: %v, %v", got, err)
	}
	if h := a.Held("a"); h != nil {
		t.Fatalf("failed Allocate left %v held", h)
	}
	if f := a.Free(); !reflect.DeepEqual(f, gpus) {
		t.Fatalf("failed Allocate: free %v; want %v", f, gpus)
	}
	if len(a.Allocations()) != 0 {
		t.Fatalf("failed Allocate left %v", a.Allocations())
	}

	store.failSave = false
	if _, err := a.Allocate("a", 1); err != nil {
		t.Fatal(err)
	}
	store.failDelete = true
	if err := a.Release("a"); !errors.Is(err, errDisk) {
		t.Fatalf("Release on a failing store: %v", err)
	}
	if h := a.Held("a"); !reflect.DeepEqual(h, []string{"GPU-0"}) {
		t.Fatalf("failed Release must keep the GPU held (the record still says so); held %v", h)
	}
	store.failDelete = false
	if err := a.Release("a"); err != nil {
		t.Fatal(err)
	}

	store.failLoad = true
	if _, err := New(store, gpus); !errors.Is(err, errDisk) {
		t.Fatalf("New on a failing load: %v", err)
	}
	if _, err := New(nil, gpus); !errors.Is(err, ErrInvalid) {
		t.Fatalf("New with a nil store: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		gpus    []string
		stored  map[string][]string
		errHas  []string
		wantErr error
	}{
		{name: "duplicate offerable GPU", gpus: []string{"GPU-0", "GPU-1", "GPU-0"}, wantErr: ErrInvalid, errHas: []string{"GPU-0 twice"}},
		{name: "empty offerable GPU", gpus: []string{"GPU-0", ""}, wantErr: ErrInvalid, errHas: []string{"empty UUID"}},
		{
			name:    "stored allocation lists a GPU twice",
			gpus:    []string{"GPU-0", "GPU-1"},
			stored:  map[string][]string{"a": {"GPU-1", "GPU-1"}},
			wantErr: ErrInvalid,
			errHas:  []string{`"a"`, "GPU-1 twice"},
		},
		{
			name:    "two stored jobs hold the same GPU",
			gpus:    []string{"GPU-0", "GPU-1"},
			stored:  map[string][]string{"a": {"GPU-0"}, "b": {"GPU-1", "GPU-0"}},
			wantErr: ErrInvalid,
			errHas:  []string{`"a"`, `"b"`, "GPU-0"},
		},
		{
			name:    "double hold of an unoffered GPU is still caught",
			gpus:    nil,
			stored:  map[string][]string{"x": {"GPU-gone"}, "y": {"GPU-gone"}},
			wantErr: ErrInvalid,
			errHas:  []string{`"x"`, `"y"`, "GPU-gone"},
		},
		{
			name:    "stored empty UUID",
			gpus:    []string{"GPU-0"},
			stored:  map[string][]string{"a": {""}},
			wantErr: ErrInvalid,
			errHas:  []string{`"a"`},
		},
		{
			name:    "stored empty job ID",
			gpus:    []string{"GPU-0"},
			stored:  map[string][]string{"": {"GPU-0"}},
			wantErr: ErrInvalid,
			errHas:  []string{"empty job ID"},
		},
		{name: "consistent", gpus: []string{"GPU-0", "GPU-1"}, stored: map[string][]string{"a": {"GPU-1"}, "b": {"GPU-0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewMemStore()
			for job, uuids := range tt.stored {
				_ = store.SaveAllocation(job, uuids)
			}
			_, err := New(store, tt.gpus)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New: %v; want %v", err, tt.wantErr)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestUnofferedStoredGPUStaysHeldAndIsLoggedOnce(t *testing.T) {
	store := NewMemStore()
	_ = store.SaveAllocation("old", []string{"GPU-gone", "GPU-0"})
	_ = store.SaveAllocation("empty", nil)
	var logs bytes.Buffer
	a, err := New(store, []string{"GPU-0", "GPU-1"}, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "GPU-gone"); n != 1 {
		t.Fatalf("GPU-gone logged %d times; want once:\n%s", n, logs.String())
	}
	if h := a.Held("old"); !reflect.DeepEqual(h, []string{"GPU-gone", "GPU-0"}) {
		t.Fatalf("held %v", h)
	}
	if f := a.Free(); !reflect.DeepEqual(f, []string{"GPU-1"}) {
		t.Fatalf("free %v", f)
	}
	// The GPU comes back: still held by its job, not free.
	a.SetGPUs([]string{"GPU-gone", "GPU-0", "GPU-1"})
	if _, err := a.Allocate("new", 2); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("Allocate over a held returning GPU: %v", err)
	}
	if err := a.Release("old"); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Allocate("new", 2); err != nil || !reflect.DeepEqual(got, []string{"GPU-gone", "GPU-0"}) {
		t.Fatalf("after release: %v, %v", got, err)
	}
}

func TestConcurrentAllocateNeverShares(t *testing.T) {
	var gpus []string
	for i := range 16 {
		gpus = append(gpus, "GPU-"+string(rune('a'+i)))
	}
	a, err := New(NewMemStore(), gpus)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			job := "job-" + string(rune('A'+i))
			if _, err := a.Allocate(job, 1); err != nil && !errors.Is(err, ErrInsufficient) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var all []string
	for _, uuids := range a.Allocations() {
		all = append(all, uuids...)
	}
	slices.Sort(all)
	if !slices.Equal(all, slices.Sorted(slices.Values(gpus))) {
		t.Fatalf("held %v; want every GPU exactly once", all)
	}
}

func TestMemStoreCopies(t *testing.T) {
	m := NewMemStore()
	in := []string{"GPU-0"}
	_ = m.SaveAllocation("a", in)
	in[0] = "mutated"
	got, _ := m.LoadAllocations()
	got["a"][0] = "mutated too"
	again, _ := m.LoadAllocations()
	if !reflect.DeepEqual(again, map[string][]string{"a": {"GPU-0"}}) {
		t.Fatalf("MemStore aliases its callers: %v", again)
	}
	_ = m.DeleteAllocation("a")
	_ = m.DeleteAllocation("a")
	if again, _ := m.LoadAllocations(); len(again) != 0 {
		t.Fatalf("after delete: %v", again)
	}
}
