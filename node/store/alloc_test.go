package store

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gpunet/gpunet/runtime/alloc"
)

func TestAllocationsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.LoadAllocations(); err != nil || len(got) != 0 {
		t.Fatalf("fresh store: %v, %v; want none", got, err)
	}
	if err := s.SaveAllocation("job-1", []string{"GPU-a", "GPU-b"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAllocation("job-2", []string{"GPU-c"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAllocation("job-3", []string{"GPU-d"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAllocation("job-3"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAllocation("never-held"); err != nil {
		t.Fatalf("deleting an unknown job: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string][]string{"job-1": {"GPU-a", "GPU-b"}, "job-2": {"GPU-c"}}
	got, err := s.LoadAllocations()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %v, %v; want %v", got, err, want)
	}
}

func TestAllocatorOnStoreSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.db")
	gpus := []string{"GPU-0", "GPU-1", "GPU-2"}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := alloc.New(s, gpus)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Allocate("train", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err = alloc.New(s, gpus)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Held("train"), []string{"GPU-0", "GPU-1"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("held after reopen: %v; want %v", got, want)
	}
	if got, want := a.Free(), []string{"GPU-2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("free after reopen: %v; want %v", got, want)
	}
}

func TestUndecodableAllocationNamesIt(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "node.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(allocBucket, "job-9", "not a list"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadAllocations(); err == nil || !strings.Contains(err.Error(), "gpu_allocations/job-9") {
		t.Fatalf("decode error %v does not name gpu_allocations/job-9", err)
	}
}
