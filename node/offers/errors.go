package offers

import "errors"

// Sentinel errors. Callers match them with errors.Is; the package wraps them
// with context ("decode offer: ...").
var (
	// ErrOversized: the signed offer is larger than MaxOfferBytes.
	ErrOversized = errors.New("offer too large")
	// ErrMalformed: the bytes are not a canonical encoding of a valid offer.
	ErrMalformed = errors.New("malformed offer")
	// ErrInvalidOffer: a field of an Offer is out of range (see Offer.Validate).
	ErrInvalidOffer = errors.New("invalid offer")
	// ErrBadSignature: the signature is not the offer's peer's.
	ErrBadSignature = errors.New("bad offer signature")
	// ErrKeyNotEmbedded: the peer ID does not embed its public key (RSA or
	// ECDSA identities hash it), so nobody could verify the offer.
	ErrKeyNotEmbedded = errors.New("peer ID does not embed its public key")
	// ErrKeyMismatch: the signing key is not the key of Offer.PeerID.
	ErrKeyMismatch = errors.New("signing key does not match the offer's peer ID")
	// ErrNotRegistered is what a Registry returns when the chain has no
	// provider at the address.
	ErrNotRegistered = errors.New("provider not registered")
	// ErrInvalidConfig: a Config field is out of range.
	ErrInvalidConfig = errors.New("invalid offers config")
)
