package offers

import (
	"encoding/binary"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/gpunet/gpunet/internal/wire"
)

// payloadVersion is the first byte of every encoded Offer; it is signed.
const payloadVersion = 1

// encodePayload is the canonical encoding of a valid Offer (see doc.go for the
// layout). Every field has exactly one encoding, so equal offers give equal
// bytes and a decoded payload re-encodes to itself.
func encodePayload(o Offer) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	n := 1 + 1 + len(o.PeerID) + 1 + len(o.ChainAddress) + 1 + 1 + len(o.PricePerGPUHour) + 8 + 8
	for _, g := range o.FreeGPUs {
		n += 1 + len(g.Model) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, payloadVersion)
	b = appendShort(b, string(o.PeerID))
	b = appendShort(b, o.ChainAddress)
	b = append(b, byte(len(o.FreeGPUs)))
	for _, g := range o.FreeGPUs {
		b = appendShort(b, g.Model)
		b = binary.BigEndian.AppendUint32(b, g.Count)
	}
	b = appendShort(b, o.PricePerGPUHour)
	b = binary.BigEndian.AppendUint64(b, o.Sequence)
	b = binary.BigEndian.AppendUint64(b, uint64(o.Expiry))
	return b, nil
}

// appendShort appends a one-byte length and s; Validate keeps every such
// field under 256 bytes.
func appendShort(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...)
}

// decodePayload is the strict inverse of encodePayload: an unknown version,
// a short read, trailing bytes or an invalid field is an error.
func decodePayload(b []byte) (Offer, error) {
	r := wire.NewReader(b)
	if v := r.Byte(); v != payloadVersion {
		return Offer{}, fmt.Errorf("%w: payload version %d", ErrMalformed, v)
	}
	var o Offer
	o.PeerID = peer.ID(r.Short())
	o.ChainAddress = r.Short()
	n := int(r.Byte())
	if n > MaxGPUEntries {
		return Offer{}, fmt.Errorf("%w: %d GPU entries", ErrMalformed, n)
	}
	if n > 0 {
		o.FreeGPUs = make([]GPUCount, 0, n)
	}
	for range n {
		model := r.Short()
		o.FreeGPUs = append(o.FreeGPUs, GPUCount{Model: model, Count: r.Uint32()})
	}
	o.PricePerGPUHour = r.Short()
	o.Sequence = r.Uint64()
	o.Expiry = int64(r.Uint64())
	if r.Truncated() {
		return Offer{}, fmt.Errorf("%w: payload truncated", ErrMalformed)
	}
	if r.Len() != 0 {
		return Offer{}, fmt.Errorf("%w: %d trailing payload bytes", ErrMalformed, r.Len())
	}
	if err := o.Validate(); err != nil {
		return Offer{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return o, nil
}

// envelope is the wire form: the payload and the signature over
// signingDomain || payload.
type envelope struct {
	payload   []byte
	signature []byte
}

// encodeEnvelope lays out u16 payload length, payload, u8 signature length,
// signature.
func encodeEnvelope(e envelope) []byte {
	b := make([]byte, 0, 2+len(e.payload)+1+len(e.signature))
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.payload)))
	b = append(b, e.payload...)
	b = append(b, byte(len(e.signature)))
	return append(b, e.signature...)
}

// decodeEnvelope splits the wire bytes; it checks the size limit first. The
// returned slices alias b.
func decodeEnvelope(b []byte) (envelope, error) {
	if len(b) > MaxOfferBytes {
		return envelope{}, fmt.Errorf("%w: %d bytes, at most %d", ErrOversized, len(b), MaxOfferBytes)
	}
	r := wire.NewReader(b)
	var e envelope
	e.payload = r.Bytes(int(r.Uint16()))
	e.signature = r.Bytes(int(r.Byte()))
	if r.Truncated() {
		return envelope{}, fmt.Errorf("%w: envelope truncated", ErrMalformed)
	}
	if r.Len() != 0 {
		return envelope{}, fmt.Errorf("%w: %d trailing envelope bytes", ErrMalformed, r.Len())
	}
	if len(e.signature) == 0 {
		return envelope{}, fmt.Errorf("%w: no signature", ErrMalformed)
	}
	return e, nil
}
