package streams

import (
	"encoding/binary"
	"fmt"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/gpunet/gpunet/internal/wire"
)

// logsVersion is the first byte of a logs request; it is signed.
const logsVersion = 1

// logsSigningDomain prefixes the signed bytes, so a logs request signature
// can never pass for a signature over a transaction or anything else the
// client's chain key signs.
const logsSigningDomain = "gpunet/logs/1\x00"

// Sizes of a logs request's fields.
const (
	maxPeerIDLen = 64
	pubKeyLen    = secp256k1.PubKeySize // compressed SEC1
	signatureLen = 64                   // R || S, low S
)

// logsRequest asks provider Provider for the logs of JobID. It is signed by
// the job's client until Expiry (unix seconds).
type logsRequest struct {
	JobID     uint64
	Provider  peer.ID
	Expiry    int64
	Follow    bool
	PubKey    []byte // 33-byte compressed secp256k1
	Signature []byte // 64 bytes over logsSignBytes(payload)
}

// validatePayload checks the signed fields.
func (r logsRequest) validatePayload() error {
	if n := len(r.Provider); n == 0 || n > maxPeerIDLen {
		return fmt.Errorf("provider: %d bytes, want 1..%d", n, maxPeerIDLen)
	}
	if _, err := peer.IDFromBytes([]byte(r.Provider)); err != nil {
		return fmt.Errorf("provider: not a peer ID: %w", err)
	}
	if r.Expiry <= 0 {
		return fmt.Errorf("expiry: %d is not a positive unix time", r.Expiry)
	}
	return nil
}

// validate checks every field.
func (r logsRequest) validate() error {
	if err := r.validatePayload(); err != nil {
		return err
	}
	if err := validatePubKey(r.PubKey); err != nil {
		return err
	}
	if len(r.Signature) != signatureLen {
		return fmt.Errorf("signature: %d bytes, want %d", len(r.Signature), signatureLen)
	}
	return nil
}

func validatePubKey(k []byte) error {
	if len(k) != pubKeyLen {
		return fmt.Errorf("pubkey: %d bytes, want %d (compressed secp256k1)", len(k), pubKeyLen)
	}
	if k[0] != 0x02 && k[0] != 0x03 {
		return fmt.Errorf("pubkey: tag 0x%02x, want 0x02 or 0x03", k[0])
	}
	return nil
}

// encodeLogsPayload is the signed part of a request:
// u8 version | u64 job | u8 len | provider | i64 expiry | u8 follow.
func encodeLogsPayload(r logsRequest) ([]byte, error) {
	if err := r.validatePayload(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	b := make([]byte, 0, 1+8+1+len(r.Provider)+8+1)
	b = append(b, logsVersion)
	b = binary.BigEndian.AppendUint64(b, r.JobID)
	b = append(b, byte(len(r.Provider)))
	b = append(b, r.Provider...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Expiry))
	follow := byte(0)
	if r.Follow {
		follow = 1
	}
	return append(b, follow), nil
}

// logsSignBytes is what the client's key signs: the domain, then the payload.
func logsSignBytes(payload []byte) []byte {
	m := make([]byte, 0, len(logsSigningDomain)+len(payload))
	return append(append(m, logsSigningDomain...), payload...)
}

// encodeLogsRequest lays out payload | 33-byte pubkey | 64-byte signature.
func encodeLogsRequest(r logsRequest) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	payload, err := encodeLogsPayload(r)
	if err != nil {
		return nil, err
	}
	b := append(payload, r.PubKey...)
	return append(b, r.Signature...), nil
}

// decodeLogsRequest is the strict inverse of encodeLogsRequest; it returns
// the signed payload too (aliasing b). It does not check the signature.
func decodeLogsRequest(b []byte) (logsRequest, []byte, error) {
	if len(b) > MaxRequestBytes {
		return logsRequest{}, nil, fmt.Errorf("%w: logs request of %d bytes, at most %d", ErrOversized, len(b), MaxRequestBytes)
	}
	r := wire.NewReader(b)
	if v := r.Byte(); v != logsVersion {
		return logsRequest{}, nil, fmt.Errorf("%w: version: %d, want %d", ErrMalformed, v, logsVersion)
	}
	var req logsRequest
	req.JobID = r.Uint64()
	req.Provider = peer.ID(r.Bytes(int(r.Byte())))
	req.Expiry = int64(r.Uint64())
	follow := r.Byte()
	payloadLen := len(b) - r.Len()
	req.PubKey = r.Bytes(pubKeyLen)
	req.Signature = r.Bytes(signatureLen)
	switch {
	case r.Truncated():
		return logsRequest{}, nil, fmt.Errorf("%w: logs request truncated", ErrMalformed)
	case r.Len() != 0:
		return logsRequest{}, nil, fmt.Errorf("%w: %d trailing logs request bytes", ErrMalformed, r.Len())
	case follow > 1:
		return logsRequest{}, nil, fmt.Errorf("%w: follow: %d, want 0 or 1", ErrMalformed, follow)
	}
	req.Follow = follow == 1
	if err := req.validate(); err != nil {
		return logsRequest{}, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return req, b[:payloadLen:payloadLen], nil
}

// signer returns the request's key and chain address.
func (r logsRequest) signer() (*secp256k1.PubKey, sdk.AccAddress) {
	pub := &secp256k1.PubKey{Key: r.PubKey}
	return pub, sdk.AccAddress(pub.Address())
}

// verifySignature checks the signature over payload by r.PubKey.
func (r logsRequest) verifySignature(payload []byte) error {
	pub, _ := r.signer()
	if !pub.VerifySignature(logsSignBytes(payload), r.Signature) {
		return fmt.Errorf("signature: does not verify with pubkey %X", r.PubKey)
	}
	return nil
}
