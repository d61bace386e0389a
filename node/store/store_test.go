package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

type record struct {
	ID    string `json:"id"`
	Steps int    `json:"steps"`
}

func TestRecordsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put("jobs", "7", record{ID: "7", Steps: 100}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("jobs", "8", record{ID: "8", Steps: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("jobs", "8"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSequence(42); err != nil {
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
	var got record
	if ok, err := s.Get("jobs", "7", &got); err != nil || !ok || got != (record{ID: "7", Steps: 100}) {
		t.Fatalf("after reopen: ok=%v err=%v got=%+v", ok, err, got)
	}
	if ok, _ := s.Get("jobs", "8", &got); ok {
		t.Fatal("deleted record came back")
	}
	if ok, err := s.Get("absent-bucket", "x", &got); ok || err != nil {
		t.Fatalf("missing bucket: ok=%v err=%v", ok, err)
	}
	if seq, err := s.LoadSequence(); err != nil || seq != 42 {
		t.Fatalf("sequence after reopen: %d, %v; want 42", seq, err)
	}
	var keys []string
	if err := s.Each("jobs", func(k string, raw json.RawMessage) error {
		keys = append(keys, k)
		return nil
	}); err != nil || len(keys) != 1 || keys[0] != "7" {
		t.Fatalf("Each: %v %v", keys, err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v; want ErrLocked", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		return b.Put(versionKey, u64(SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a newer schema: %v; want ErrNewerSchema", err)
	}
}

func TestUndecodableRecordNamesIt(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "node.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put("jobs", "1", "a string, not a record"); err != nil {
		t.Fatal(err)
	}
	var r record
	if _, err := s.Get("jobs", "1", &r); err == nil || !strings.Contains(err.Error(), "jobs/1") {
		t.Fatalf("decode error %v does not name jobs/1", err)
	}
}
