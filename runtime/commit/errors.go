package commit

import "errors"

// Sentinels for errors.Is. Errors that carry them also name what failed:
// the file, the chunk and its offset, or the proof field that did not match.
var (
	// ErrInvalidInput: a negative size or worker count, or a path that is
	// not a regular file.
	ErrInvalidInput = errors.New("invalid input")
	// ErrRead: reading a chunk failed; the reader's error is wrapped too.
	ErrRead = errors.New("read failed")
	// ErrSizeChanged: the file became shorter or longer while it was hashed.
	ErrSizeChanged = errors.New("file changed size while hashing")
	// ErrIndex: a chunk index is not below the chunk count, or the count is 0.
	ErrIndex = errors.New("chunk index out of range")
	// ErrChunkSize: a chunk's length breaks the size rule (ChunkSize for all
	// but the last chunk, 1..ChunkSize for the last, 0 allowed only when it
	// is the only chunk).
	ErrChunkSize = errors.New("wrong chunk size")
	// ErrProof: the proof is missing, malformed, for another chunk, or does
	// not lead from the chunk to the root.
	ErrProof = errors.New("invalid chunk proof")
)
