package runner

import (
	"encoding/json"
	"fmt"
)

func encodeRecord(r Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode run %s: %w", r.Job.ID, err)
	}
	return b, nil
}

// DecodeRecord parses a stored record and refuses a version it does not know.
func DecodeRecord(b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("decode run record: %w", err)
	}
	if r.Version != RecordVersion {
		return Record{}, fmt.Errorf("decode run record %s: version %d, this build reads %d", r.Job.ID, r.Version, RecordVersion)
	}
	return r, nil
}
