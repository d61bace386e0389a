package streams

import (
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
	"github.com/multiformats/go-varint"

	"github.com/gpunet/gpunet/internal/wire"
	"github.com/gpunet/gpunet/runtime/commit"
)

// The stream protocols (see doc.go for their exchanges).
const (
	CheckpointProtocol protocol.ID = "/gpunet/checkpoint/1"
	LogsProtocol       protocol.ID = "/gpunet/logs/1"
)

// ServiceName is the resource-manager service both protocols' streams are
// attributed to.
const ServiceName = "gpunet.streams"

// Frame limits, checked from the length prefix before a byte of the body is
// read.
const (
	// MaxRequestBytes bounds a request frame of either protocol.
	MaxRequestBytes = 4 << 10
	// MaxChunkFrameBytes bounds a checkpoint response: one chunk and its
	// proof (at most maxAunts hashes), with room to spare.
	MaxChunkFrameBytes = commit.ChunkSize + 16<<10
	// MaxLogFrameBytes bounds a logs response frame.
	MaxLogFrameBytes = 64 << 10
	// MaxMessageBytes bounds the message of an error frame.
	MaxMessageBytes = 512
)

// Timeouts.
const (
	// RequestTimeout bounds each request/response exchange: the request
	// read on the server, the response read on the client, every write.
	RequestTimeout = 30 * time.Second
	// MaxLogsRequestTTL is how far in the future a logs request may expire.
	MaxLogsRequestTTL = 5 * time.Minute
	// LogsRequestTTL is the expiry ReadLogs gives its requests: short, with
	// room for a minute or two of clock skew either way.
	LogsRequestTTL = 2 * time.Minute
)

// Frame types: the first byte of every response frame. Error frames carry a
// Status in 1..5; the others are below.
const (
	frameOK      byte = 0x00 // checkpoint: chunk follows; logs: accepted
	frameLogData byte = 0x10 // logs: output bytes follow
	frameLogEnd  byte = 0x11 // logs: the output ended; nothing follows
)

// readFrame reads one varint-length-prefixed frame into buf (len(buf) is the
// limit). A longer frame is ErrOversized and a malformed length prefix
// ErrMalformed; the body is left unread and the caller ends the stream.
func readFrame(r msgio.Reader, buf []byte) ([]byte, error) {
	n, err := r.NextMsgLen()
	if errors.Is(err, varint.ErrOverflow) || errors.Is(err, varint.ErrNotMinimal) {
		return nil, fmt.Errorf("%w: length prefix: %w", ErrMalformed, err)
	}
	if err != nil {
		return nil, err
	}
	if n < 0 || n > len(buf) {
		return nil, fmt.Errorf("%w: %d-byte frame, at most %d", ErrOversized, n, len(buf))
	}
	if _, err := r.Read(buf[:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf[:n], nil
}

// encodeError is an error frame: u8 status | u16 len | message, the message
// cut to MaxMessageBytes at a rune boundary.
func encodeError(s Status, msg string) []byte {
	if len(msg) > MaxMessageBytes {
		msg = msg[:MaxMessageBytes]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	b := make([]byte, 0, 3+len(msg))
	b = append(b, byte(s), byte(len(msg)>>8), byte(len(msg)))
	return append(b, msg...)
}

// decodeError parses an error frame whose first byte is an error status.
func decodeError(b []byte) (Status, string, error) {
	r := wire.NewReader(b)
	s := Status(r.Byte())
	msg := r.Bytes(int(r.Uint16()))
	switch {
	case r.Truncated():
		return 0, "", fmt.Errorf("%w: error frame truncated", ErrMalformed)
	case r.Len() != 0:
		return 0, "", fmt.Errorf("%w: %d trailing error frame bytes", ErrMalformed, r.Len())
	case !s.isError():
		return 0, "", fmt.Errorf("%w: status: unknown status %d", ErrMalformed, uint8(s))
	case len(msg) > MaxMessageBytes || !utf8.Valid(msg):
		return 0, "", fmt.Errorf("%w: message: not UTF-8 of at most %d bytes", ErrMalformed, MaxMessageBytes)
	}
	return s, string(msg), nil
}
