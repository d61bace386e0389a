package offers

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// signingDomain prefixes every signed payload, so an offer signature can never
// be replayed as a signature over anything else the same key signs (pubsub
// messages, identify records, other gpunet objects).
const signingDomain = "gpunet/offer/1\x00"

// signedMessage is signingDomain || payload.
func signedMessage(payload []byte) []byte {
	m := make([]byte, 0, len(signingDomain)+len(payload))
	return append(append(m, signingDomain...), payload...)
}

// Sign encodes o and signs it with key, which must be o.PeerID's key (an
// empty PeerID is filled in from key). The key's type must embed in the peer
// ID (ed25519, secp256k1) so receivers can verify without a key exchange.
func Sign(key crypto.PrivKey, o Offer) ([]byte, error) {
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("sign offer: %w", err)
	}
	if o.PeerID == "" {
		o.PeerID = id
	}
	if o.PeerID != id {
		return nil, fmt.Errorf("sign offer: %w: key is %s, offer is %s", ErrKeyMismatch, id, o.PeerID)
	}
	if _, err := id.ExtractPublicKey(); err != nil {
		return nil, fmt.Errorf("sign offer: %w (%s)", ErrKeyNotEmbedded, key.Type())
	}
	payload, err := encodePayload(o)
	if err != nil {
		return nil, fmt.Errorf("sign offer: %w", err)
	}
	sig, err := key.Sign(signedMessage(payload))
	if err != nil {
		return nil, fmt.Errorf("sign offer: %w", err)
	}
	if len(sig) > 255 {
		return nil, fmt.Errorf("sign offer: %w: %d-byte signature", ErrMalformed, len(sig))
	}
	b := encodeEnvelope(envelope{payload: payload, signature: sig})
	if len(b) > MaxOfferBytes {
		return nil, fmt.Errorf("sign offer: %w: %d bytes", ErrOversized, len(b))
	}
	return b, nil
}

// Decode parses a signed offer strictly (size limit first, then the envelope,
// then every field) without checking the signature. Use Verify for anything
// received from the network.
func Decode(b []byte) (Offer, error) {
	o, _, err := decode(b)
	return o, err
}

// Verify decodes b and checks that the signature is by the key embedded in
// Offer.PeerID.
func Verify(b []byte) (Offer, error) {
	o, e, err := decode(b)
	if err != nil {
		return Offer{}, err
	}
	if err := verifySignature(o.PeerID, e); err != nil {
		return Offer{}, err
	}
	return o, nil
}

func decode(b []byte) (Offer, envelope, error) {
	e, err := decodeEnvelope(b)
	if err != nil {
		return Offer{}, envelope{}, fmt.Errorf("decode offer: %w", err)
	}
	o, err := decodePayload(e.payload)
	if err != nil {
		return Offer{}, envelope{}, fmt.Errorf("decode offer: %w", err)
	}
	return o, e, nil
}

func verifySignature(id peer.ID, e envelope) error {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return fmt.Errorf("verify offer: %w: %w", ErrBadSignature, ErrKeyNotEmbedded)
	}
	ok, err := pub.Verify(signedMessage(e.payload), e.signature)
	if err != nil || !ok {
		return fmt.Errorf("verify offer: %w", ErrBadSignature)
	}
	return nil
}
