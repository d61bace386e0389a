package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the file; Open refuses a newer one rather
// than misread it.
const SchemaVersion = 1

var (
	metaBucket  = []byte("meta")
	versionKey  = []byte("schema_version")
	sequenceKey = []byte("offer_sequence")

	// ErrLocked means another process has the store open.
	ErrLocked = errors.New("store is in use by another process")
	// ErrNewerSchema means the file was written by a newer gpunet.
	ErrNewerSchema = errors.New("store was written by a newer gpunet")
)

// Store is an open record store.
type Store struct {
	db   *bolt.DB
	path string
}

// Open opens (creating if needed) the store at path. Only one process may
// hold it: a second provider on the same home fails fast with ErrLocked.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create store directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w; is another gpunet provider running on this home? stop it first", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.checkSchema(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) checkSchema() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return fmt.Errorf("create meta bucket: %w", err)
		}
		raw := b.Get(versionKey)
		if raw == nil {
			return b.Put(versionKey, u64(SchemaVersion))
		}
		if len(raw) != 8 {
			return fmt.Errorf("%s: schema version is %d bytes, want 8: the file is damaged; move it aside to start afresh", s.path, len(raw))
		}
		if v := binary.BigEndian.Uint64(raw); v > SchemaVersion {
			return fmt.Errorf("%s: schema %d: %w (this one reads up to %d); upgrade gpunet", s.path, v, ErrNewerSchema, SchemaVersion)
		}
		return nil
	})
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Put stores v as JSON under bucket/key, durably.
func (s *Store) Put(bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucket, err)
		}
		return b.Put([]byte(key), raw)
	})
}

// Get decodes bucket/key into v and reports whether it existed.
func (s *Store) Get(bucket, key string, v any) (bool, error) {
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			if got := b.Get([]byte(key)); got != nil {
				raw = append([]byte(nil), got...) // bbolt's slice dies with the tx
			}
		}
		return nil
	})
	if err != nil || raw == nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return true, nil
}

// Delete removes bucket/key; a missing key is not an error.
func (s *Store) Delete(bucket, key string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			return b.Delete([]byte(key))
		}
		return nil
	})
}

// Each calls fn for every record of bucket in key order, with the raw JSON.
func (s *Store) Each(bucket string, fn func(key string, raw json.RawMessage) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			return fn(string(k), append(json.RawMessage(nil), v...))
		})
	})
}

// LoadSequence returns the last offer sequence number saved (0 if none).
func (s *Store) LoadSequence() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(metaBucket).Get(sequenceKey); len(raw) == 8 {
			seq = binary.BigEndian.Uint64(raw)
		}
		return nil
	})
	return seq, err
}

// SaveSequence records the offer sequence number before it is used, so a
// restart never publishes the same number twice.
func (s *Store) SaveSequence(seq uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(sequenceKey, u64(seq))
	})
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
