package streams

import (
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Sentinel errors. Callers match them with errors.Is; the package wraps them
// with what failed (peer, job, step, chunk, field).
var (
	// ErrNotFound: the provider has no such checkpoint, job or logs. The
	// Checkpoints, Logs and JobClients a Server is given return it (wrapped
	// or not) for "none", and FetchCheckpoint and ReadLogs return it when
	// the provider answered so.
	ErrNotFound = errors.New("not found")
	// ErrBadRequest: the provider refused a request as malformed or out of
	// range.
	ErrBadRequest = errors.New("bad request")
	// ErrForbidden: the provider refused a logs request: expired, for
	// another provider, badly signed, or not signed by the job's client.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: the provider is out of resources (its resource
	// manager refused the memory) or shutting down; retry later.
	ErrUnavailable = errors.New("unavailable")
	// ErrRemote: the provider failed while serving (its logs say why).
	ErrRemote = errors.New("provider error")
	// ErrMalformed: bytes that are not a canonical encoding of a valid
	// message; the error names the field.
	ErrMalformed = errors.New("malformed message")
	// ErrOversized: a frame longer than its protocol allows.
	ErrOversized = errors.New("frame too large")
	// ErrBadChunk: a downloaded chunk does not verify against the root;
	// commit's error (ErrProof, ErrChunkSize) is wrapped too.
	ErrBadChunk = errors.New("chunk failed verification")
	// ErrUnsupportedKey: the Signer's key is not a 33-byte secp256k1 key.
	ErrUnsupportedKey = errors.New("unsupported key type")
	// ErrInvalidArgument: a caller passed an out-of-range argument.
	ErrInvalidArgument = errors.New("invalid argument")
)

// Status is the first byte of an error frame (and 0 for success).
type Status uint8

// Statuses on the wire. Unknown values decode as ErrMalformed.
const (
	StatusOK          Status = 0
	StatusBadRequest  Status = 1
	StatusNotFound    Status = 2
	StatusForbidden   Status = 3
	StatusUnavailable Status = 4
	StatusInternal    Status = 5
)

// sentinel maps an error status to its sentinel.
func (s Status) sentinel() error {
	switch s {
	case StatusBadRequest:
		return ErrBadRequest
	case StatusNotFound:
		return ErrNotFound
	case StatusForbidden:
		return ErrForbidden
	case StatusUnavailable:
		return ErrUnavailable
	case StatusInternal:
		return ErrRemote
	}
	return nil
}

func (s Status) isError() bool { return s.sentinel() != nil }

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusBadRequest:
		return "bad request"
	case StatusNotFound:
		return "not found"
	case StatusForbidden:
		return "forbidden"
	case StatusUnavailable:
		return "unavailable"
	case StatusInternal:
		return "internal error"
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// RemoteError is an error frame the other side sent: its status and message.
// errors.Is matches it against the status's sentinel (ErrNotFound, ...).
type RemoteError struct {
	Peer    peer.ID
	Status  Status
	Message string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("peer %s: %s: %s", e.Peer, e.Status, e.Message)
}

// Unwrap returns the status's sentinel.
func (e *RemoteError) Unwrap() error { return e.Status.sentinel() }
