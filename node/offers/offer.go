package offers

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Limits on an offer's fields. They bound the encoding (every length is one
// byte on the wire) and keep a signed offer far below MaxOfferBytes.
const (
	// MaxOfferBytes is the largest signed offer (envelope included) anyone
	// accepts. It is checked before any decoding.
	MaxOfferBytes = 4 << 10
	// MaxGPUEntries is the most GPU models one offer lists.
	MaxGPUEntries = 16
	// MaxModelLen is the longest GPU model name, in bytes.
	MaxModelLen = 64
	// MaxPriceLen is the longest price, in decimal digits (2^128 has 39).
	MaxPriceLen = 40
	// maxAddressLen is BIP-173's limit on a bech32 string.
	maxAddressLen = 90
	// maxPeerIDLen bounds a peer ID's multihash bytes (an ed25519 ID has 38).
	maxPeerIDLen = 128
)

// Offer is what a provider advertises: which GPUs are free and at what price.
// It is valid until Expiry; a later Sequence from the same peer replaces it.
type Offer struct {
	// PeerID is the provider's libp2p identity; it signs the offer.
	PeerID peer.ID
	// ChainAddress is the provider's bech32 account (gpunet1...), which the
	// chain must have registered with PeerID.
	ChainAddress string
	// FreeGPUs lists free GPUs per model, sorted by model, models unique.
	FreeGPUs []GPUCount
	// PricePerGPUHour is a decimal integer in ugpu, e.g. "2000000".
	PricePerGPUHour string
	// Sequence increases with every offer the peer signs (starts at 1).
	Sequence uint64
	// Expiry is the unix second at which the offer stops being valid.
	Expiry int64
}

// GPUCount is a number of free GPUs of one model.
type GPUCount struct {
	Model string
	Count uint32
}

// Validate checks every field: the peer ID parses as a multihash, the chain
// address is a gpunet bech32 address with a valid checksum, at most
// MaxGPUEntries GPU entries with printable, unique, ascending model names and
// non-zero counts, a price that is a decimal integer without leading zeros,
// a sequence of at least 1 and a positive expiry.
func (o Offer) Validate() error {
	if o.PeerID == "" || len(o.PeerID) > maxPeerIDLen {
		return fmt.Errorf("%w: peer ID length %d", ErrInvalidOffer, len(o.PeerID))
	}
	if _, err := peer.IDFromBytes([]byte(o.PeerID)); err != nil {
		return fmt.Errorf("%w: peer ID: %w", ErrInvalidOffer, err)
	}
	if err := validateAddress(o.ChainAddress); err != nil {
		return fmt.Errorf("%w: chain address: %w", ErrInvalidOffer, err)
	}
	if len(o.FreeGPUs) > MaxGPUEntries {
		return fmt.Errorf("%w: %d GPU entries, at most %d", ErrInvalidOffer, len(o.FreeGPUs), MaxGPUEntries)
	}
	for i, g := range o.FreeGPUs {
		if err := validateModel(g.Model); err != nil {
			return fmt.Errorf("%w: GPU %d: %w", ErrInvalidOffer, i, err)
		}
		if g.Count == 0 {
			return fmt.Errorf("%w: GPU %q: count is 0", ErrInvalidOffer, g.Model)
		}
		if i > 0 && o.FreeGPUs[i-1].Model >= g.Model {
			return fmt.Errorf("%w: GPU models not sorted and unique at %q", ErrInvalidOffer, g.Model)
		}
	}
	if err := validatePrice(o.PricePerGPUHour); err != nil {
		return fmt.Errorf("%w: price: %w", ErrInvalidOffer, err)
	}
	if o.Sequence == 0 {
		return fmt.Errorf("%w: sequence is 0", ErrInvalidOffer)
	}
	if o.Expiry <= 0 {
		return fmt.Errorf("%w: expiry %d not set", ErrInvalidOffer, o.Expiry)
	}
	return nil
}

// clone returns a copy that shares no memory with o.
func (o Offer) clone() Offer {
	o.FreeGPUs = slices.Clone(o.FreeGPUs)
	return o
}

func validateModel(m string) error {
	if m == "" || len(m) > MaxModelLen {
		return fmt.Errorf("model length %d not in [1, %d]", len(m), MaxModelLen)
	}
	if !utf8.ValidString(m) {
		return fmt.Errorf("model is not UTF-8")
	}
	if strings.IndexFunc(m, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("model %q has a non-printable character", m)
	}
	return nil
}

func validatePrice(p string) error {
	if p == "" || len(p) > MaxPriceLen {
		return fmt.Errorf("length %d not in [1, %d]", len(p), MaxPriceLen)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return fmt.Errorf("%q is not a decimal integer", p)
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return fmt.Errorf("%q has a leading zero", p)
	}
	return nil
}

// comparePrices orders two valid prices numerically: without leading zeros a
// longer string is a larger number, and equal lengths compare as strings.
func comparePrices(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
