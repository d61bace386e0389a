package streams

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/runtime/commit"
)

// checkpointVersion is the first byte of a checkpoint request.
const checkpointVersion = 1

// MaxChunks bounds a checkpoint's chunk count (4 PiB at 1 MiB a chunk), and
// so a proof's depth.
const MaxChunks = 1 << 32

// maxAunts bounds a proof's hashes on the wire; a tree of MaxChunks leaves
// needs 32.
const maxAunts = 64

// checkpointRequestLen is the fixed length of a checkpoint request.
const checkpointRequestLen = 1 + 8 + 8 + 8

// checkpointRequest asks for chunk Index of the checkpoint of JobID at Step.
type checkpointRequest struct {
	JobID uint64
	Step  int64
	Index uint64
}

func (r checkpointRequest) validate() error {
	if r.Step < 0 {
		return fmt.Errorf("step: %d is negative", r.Step)
	}
	if r.Index >= MaxChunks {
		return fmt.Errorf("index: %d is not below %d", r.Index, uint64(MaxChunks))
	}
	return nil
}

// encodeCheckpointRequest lays out u8 version | u64 job | i64 step | u64 index.
func encodeCheckpointRequest(r checkpointRequest) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	b := make([]byte, 0, checkpointRequestLen)
	b = append(b, checkpointVersion)
	b = binary.BigEndian.AppendUint64(b, r.JobID)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Step))
	return binary.BigEndian.AppendUint64(b, r.Index), nil
}

// decodeCheckpointRequest is the strict inverse of encodeCheckpointRequest.
func decodeCheckpointRequest(b []byte) (checkpointRequest, error) {
	if len(b) != checkpointRequestLen {
		return checkpointRequest{}, fmt.Errorf("%w: checkpoint request of %d bytes, want %d", ErrMalformed, len(b), checkpointRequestLen)
	}
	r := wire.NewReader(b)
	if v := r.Byte(); v != checkpointVersion {
		return checkpointRequest{}, fmt.Errorf("%w: version: %d, want %d", ErrMalformed, v, checkpointVersion)
	}
	req := checkpointRequest{JobID: r.Uint64(), Step: int64(r.Uint64()), Index: r.Uint64()}
	if err := req.validate(); err != nil {
		return checkpointRequest{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return req, nil
}

// chunkResponse is a served chunk: the checkpoint's chunk count, the chunk's
// proof (leaf hash and aunts, CometBFT's order) and its bytes.
type chunkResponse struct {
	Total    uint64
	LeafHash []byte
	Aunts    [][]byte
	Data     []byte
}

// proof is the merkle.Proof of r as chunk index.
func (r chunkResponse) proof(index uint64) *merkle.Proof {
	return &merkle.Proof{Total: int64(r.Total), Index: int64(index), LeafHash: r.LeafHash, Aunts: r.Aunts}
}

// chunkHeaderLen is the length of a response before its data.
func chunkHeaderLen(aunts int) int { return 1 + 8 + sha256.Size + 1 + aunts*sha256.Size + 4 }

// appendChunkHeader appends everything of a chunk response but the data:
// u8 0 | u64 total | 32 leaf hash | u8 n | n * 32 aunts | u32 len(data).
func appendChunkHeader(b []byte, total uint64, p *merkle.Proof, dataLen int) ([]byte, error) {
	if len(p.Aunts) > maxAunts || len(p.LeafHash) != sha256.Size {
		return nil, fmt.Errorf("proof: %d aunts and a %d-byte leaf hash", len(p.Aunts), len(p.LeafHash))
	}
	b = append(b, frameOK)
	b = binary.BigEndian.AppendUint64(b, total)
	b = append(b, p.LeafHash...)
	b = append(b, byte(len(p.Aunts)))
	for _, a := range p.Aunts {
		if len(a) != sha256.Size {
			return nil, fmt.Errorf("proof: %d-byte aunt", len(a))
		}
		b = append(b, a...)
	}
	return binary.BigEndian.AppendUint32(b, uint32(dataLen)), nil
}

// decodeChunkResponse parses a chunk response whose first byte is frameOK.
// The slices alias b. It checks the layout and ranges only: the proof is
// checked by commit.VerifyChunk.
func decodeChunkResponse(b []byte) (chunkResponse, error) {
	r := wire.NewReader(b)
	if k := r.Byte(); k != frameOK {
		return chunkResponse{}, fmt.Errorf("%w: frame type %d, want %d", ErrMalformed, k, frameOK)
	}
	var c chunkResponse
	c.Total = r.Uint64()
	c.LeafHash = r.Bytes(sha256.Size)
	n := int(r.Byte())
	if n > maxAunts {
		return chunkResponse{}, fmt.Errorf("%w: aunts: %d, at most %d", ErrMalformed, n, maxAunts)
	}
	if hashes := r.Bytes(n * sha256.Size); hashes != nil && n > 0 {
		c.Aunts = make([][]byte, n)
		for i := range c.Aunts {
			c.Aunts[i] = hashes[i*sha256.Size : (i+1)*sha256.Size : (i+1)*sha256.Size]
		}
	}
	dataLen := r.Uint32()
	if dataLen > commit.ChunkSize {
		return chunkResponse{}, fmt.Errorf("%w: data: %d bytes, at most %d", ErrMalformed, dataLen, commit.ChunkSize)
	}
	c.Data = r.Bytes(int(dataLen))
	switch {
	case r.Truncated():
		return chunkResponse{}, fmt.Errorf("%w: chunk response truncated", ErrMalformed)
	case r.Len() != 0:
		return chunkResponse{}, fmt.Errorf("%w: %d trailing chunk response bytes", ErrMalformed, r.Len())
	case c.Total == 0 || c.Total > MaxChunks:
		return chunkResponse{}, fmt.Errorf("%w: total: %d chunks, want 1..%d", ErrMalformed, c.Total, uint64(MaxChunks))
	}
	return c, nil
}
