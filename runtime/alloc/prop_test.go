package alloc

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

var (
	propGPUs = []string{"GPU-0", "GPU-1", "GPU-2", "GPU-3", "GPU-4", "GPU-5"}
	propJobs = []string{"j0", "j1", "j2", "j3", "j4"}
)

// TestPropNeverShared drives an allocator through random Allocate, Release,
// SetGPUs, store failures and restarts, and checks after every step that no
// GPU is held twice, that Free ∪ held = offerable ∪ held, and that the store
// says exactly what the allocator holds.
func TestPropNeverShared(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		store := newFailStore()
		offerable := rapid.SliceOfDistinct(rapid.SampledFrom(propGPUs), func(s string) string { return s }).Draw(t, "gpus")
		a, err := New(store, offerable)
		if err != nil {
			t.Fatal(err)
		}
		t.Repeat(map[string]func(*rapid.T){
			"allocate": func(t *rapid.T) {
				job := rapid.SampledFrom(propJobs).Draw(t, "job")
				n := rapid.IntRange(0, 4).Draw(t, "n")
				before := a.Held(job)
				got, err := a.Allocate(job, n)
				switch {
				case err != nil:
					if !slices.Equal(a.Held(job), before) {
						t.Fatalf("failed Allocate changed %s's holding from %v to %v", job, before, a.Held(job))
					}
					if before == nil && !errors.Is(err, ErrInsufficient) && !errors.Is(err, errDisk) {
						t.Fatalf("Allocate(%s, %d): %v", job, n, err)
					}
				case before != nil:
					if !slices.Equal(got, before) {
						t.Fatalf("idempotent Allocate(%s, %d) = %v; held %v", job, n, got, before)
					}
				case n == 0:
					if got != nil || a.Held(job) != nil {
						t.Fatalf("Allocate(%s, 0) = %v, held %v", job, got, a.Held(job))
					}
				default:
					if len(got) != n || !slices.Equal(a.Held(job), got) {
						t.Fatalf("Allocate(%s, %d) = %v, held %v", job, n, got, a.Held(job))
					}
					for _, u := range got {
						if !slices.Contains(offerable, u) {
							t.Fatalf("allocated unoffered %s", u)
						}
					}
				}
			},
			"release": func(t *rapid.T) {
				job := rapid.SampledFrom(propJobs).Draw(t, "job")
				before := a.Held(job)
				err := a.Release(job)
				if err != nil && !errors.Is(err, errDisk) {
					t.Fatalf("Release(%s): %v", job, err)
				}
				if err == nil && a.Held(job) != nil {
					t.Fatalf("Release(%s) kept %v", job, a.Held(job))
				}
				if err != nil && !slices.Equal(a.Held(job), before) {
					t.Fatalf("failed Release(%s) changed holding", job)
				}
			},
			"setGPUs": func(t *rapid.T) {
				offerable = rapid.SliceOfDistinct(rapid.SampledFrom(propGPUs), func(s string) string { return s }).Draw(t, "gpus")
				before := a.Allocations()
				a.SetGPUs(offerable)
				if !reflect.DeepEqual(a.Allocations(), before) {
					t.Fatal("SetGPUs changed holdings")
				}
			},
			"failures": func(t *rapid.T) {
				store.failSave = rapid.Bool().Draw(t, "failSave")
				store.failDelete = rapid.Bool().Draw(t, "failDelete")
			},
			"restart": func(t *rapid.T) {
				before := a.Allocations()
				offerable = rapid.SliceOfDistinct(rapid.SampledFrom(propGPUs), func(s string) string { return s }).Draw(t, "gpus")
				b, err := New(store, offerable)
				if err != nil {
					t.Fatalf("restart: %v", err)
				}
				if got := b.Allocations(); !reflect.DeepEqual(got, before) {
					t.Fatalf("restart: %v; before %v", got, before)
				}
				a = b
			},
			"": func(t *rapid.T) {
				checkInvariants(t, a, store, offerable)
			},
		})
	})
}

func checkInvariants(t *rapid.T, a *Allocator, store *failStore, offerable []string) {
	allocs := a.Allocations()
	held := map[string]string{}
	for job, uuids := range allocs {
		if len(uuids) == 0 {
			t.Fatalf("job %s holds an empty allocation", job)
		}
		for _, u := range uuids {
			if other, ok := held[u]; ok {
				t.Fatalf("GPU %s held by %s and %s", u, other, job)
			}
			held[u] = job
		}
	}
	free := a.Free()
	var wantFree []string
	for _, u := range offerable {
		if _, ok := held[u]; !ok {
			wantFree = append(wantFree, u)
		}
	}
	if !slices.Equal(free, wantFree) {
		t.Fatalf("Free() = %v; want %v (offerable %v, held %v)", free, wantFree, offerable, held)
	}
	// Free ∪ held = offerable ∪ held.
	left := map[string]bool{}
	for _, u := range free {
		left[u] = true
	}
	right := map[string]bool{}
	for _, u := range offerable {
		right[u] = true
	}
	for u := range held {
		if left[u] {
			t.Fatalf("GPU %s is both free and held", u)
		}
		left[u] = true
		right[u] = true
	}
	if !maps.Equal(left, right) {
		t.Fatalf("Free ∪ held = %v; offerable ∪ held = %v", left, right)
	}
	stored, err := store.MemStore.LoadAllocations()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, allocs) {
		t.Fatalf("store %v; allocator %v", stored, allocs)
	}
}
