package offers

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

func TestDecode(t *testing.T) {
	key, id := testKey(t, 1)
	addr := testAddress(t, 1)
	valid := testOffer(id, addr, 7, t0.Unix()+60)
	signed := mustSign(t, key, valid)

	// withOffer signs an edited (possibly invalid) offer, bypassing Sign's checks.
	withOffer := func(edit func(o *Offer)) []byte {
		o := valid.clone()
		edit(&o)
		return signRaw(t, key, rawPayload(o))
	}
	withPayload := func(edit func(p []byte) []byte) []byte {
		return signRaw(t, key, edit(rawPayload(valid)))
	}
	seventeen := make([]GPUCount, 17)
	for i := range seventeen {
		seventeen[i] = GPUCount{Model: string(rune('a' + i)), Count: 1}
	}

	tests := []struct {
		name string
		in   []byte
		want error // nil: decodes to valid
	}{
		{"valid", signed, nil},
		{"no GPUs", withOffer(func(o *Offer) { o.FreeGPUs = nil }), nil},
		{"price zero", withOffer(func(o *Offer) { o.PricePerGPUHour = "0" }), nil},
		{"empty", nil, ErrMalformed},
		{"oversized", append(bytes.Clone(signed), make([]byte, MaxOfferBytes)...), ErrOversized},
		{"truncated envelope", signed[:len(signed)-1], ErrMalformed},
		{"trailing envelope byte", append(bytes.Clone(signed), 0), ErrMalformed},
		{"no signature", encodeEnvelope(envelope{payload: rawPayload(valid)}), ErrMalformed},
		{"trailing payload byte", withPayload(func(p []byte) []byte { return append(p, 0) }), ErrMalformed},
		{"truncated payload", withPayload(func(p []byte) []byte { return p[:len(p)-3] }), ErrMalformed},
		{"version 2", withPayload(func(p []byte) []byte { p[0] = 2; return p }), ErrMalformed},
		{"empty peer ID", withOffer(func(o *Offer) { o.PeerID = "" }), ErrMalformed},
		{"peer ID not a multihash", withOffer(func(o *Offer) { o.PeerID = "not-a-multihash" }), ErrMalformed},
		{"empty address", withOffer(func(o *Offer) { o.ChainAddress = "" }), ErrMalformed},
		{"address other prefix", withOffer(func(o *Offer) { o.ChainAddress = "cosmos1" + addr[len("gpunet1"):] }), ErrMalformed},
		{"address bad checksum", withOffer(func(o *Offer) { o.ChainAddress = addr[:len(addr)-1] + flip(addr[len(addr)-1]) }), ErrMalformed},
		{"address upper case", withOffer(func(o *Offer) { o.ChainAddress = strings.ToUpper(addr) }), ErrMalformed},
		{"address bad character", withOffer(func(o *Offer) { o.ChainAddress = addr[:10] + "b" + addr[11:] }), ErrMalformed},
		{"17 GPU entries", withOffer(func(o *Offer) { o.FreeGPUs = seventeen }), ErrMalformed},
		{"empty model", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{Model: "", Count: 1}} }), ErrMalformed},
		{"long model", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{Model: strings.Repeat("x", 65), Count: 1}} }), ErrMalformed},
		{"control char in model", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{Model: "A100\n", Count: 1}} }), ErrMalformed},
		{"invalid UTF-8 model", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{Model: "A\xff", Count: 1}} }), ErrMalformed},
		{"zero count", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{Model: "A100", Count: 0}} }), ErrMalformed},
		{"unsorted models", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{"B", 1}, {"A", 1}} }), ErrMalformed},
		{"duplicate models", withOffer(func(o *Offer) { o.FreeGPUs = []GPUCount{{"A", 1}, {"A", 1}} }), ErrMalformed},
		{"empty price", withOffer(func(o *Offer) { o.PricePerGPUHour = "" }), ErrMalformed},
		{"leading zero price", withOffer(func(o *Offer) { o.PricePerGPUHour = "0100" }), ErrMalformed},
		{"negative price", withOffer(func(o *Offer) { o.PricePerGPUHour = "-1" }), ErrMalformed},
		{"decimal price", withOffer(func(o *Offer) { o.PricePerGPUHour = "1.5" }), ErrMalformed},
		{"41-digit price", withOffer(func(o *Offer) { o.PricePerGPUHour = "1" + strings.Repeat("0", 40) }), ErrMalformed},
		{"sequence zero", withOffer(func(o *Offer) { o.Sequence = 0 }), ErrMalformed},
		{"expiry zero", withOffer(func(o *Offer) { o.Expiry = 0 }), ErrMalformed},
		{"expiry negative", withOffer(func(o *Offer) { o.Expiry = -5 }), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Decode err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			e, _ := decodeEnvelope(tt.in)
			again, err := encodePayload(got)
			if err != nil || !bytes.Equal(again, e.payload) {
				t.Fatalf("re-encode differs (err %v)", err)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'q' {
		return "p"
	}
	return "q"
}

func TestVerify(t *testing.T) {
	key, id := testKey(t, 1)
	other, otherID := testKey(t, 2)
	addr := testAddress(t, 1)
	valid := testOffer(id, addr, 7, t0.Unix()+60)
	signed := mustSign(t, key, valid)

	ecdsaKey, _, err := crypto.GenerateECDSAKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaID, err := peer.IDFromPrivateKey(ecdsaKey)
	if err != nil {
		t.Fatal(err)
	}

	mutate := func(i int) []byte {
		b := bytes.Clone(signed)
		b[i] ^= 0x01
		return b
	}
	priceAt := bytes.Index(signed, []byte("2000000"))

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"valid", signed, nil},
		{"signed by another key", signRaw(t, other, rawPayload(valid)), ErrBadSignature},
		{"another peer's offer under our key", signRaw(t, key, rawPayload(testOffer(otherID, addr, 7, t0.Unix()+60))), ErrBadSignature},
		{"price changed after signing", mutate(priceAt), ErrBadSignature},
		{"signature bit flipped", mutate(len(signed) - 1), ErrBadSignature},
		{"signature without domain", func() []byte {
			p := rawPayload(valid)
			sig, _ := key.Sign(p)
			return encodeEnvelope(envelope{payload: p, signature: sig})
		}(), ErrBadSignature},
		{"key not in peer ID", signRaw(t, ecdsaKey, rawPayload(testOffer(ecdsaID, addr, 7, t0.Unix()+60))), ErrKeyNotEmbedded},
		{"malformed", []byte{0, 1, 2}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verify(tt.in)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Verify err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || !sameOffer(got, valid) {
				t.Fatalf("Verify = %+v, %v; want %+v", got, err, valid)
			}
		})
	}
}

func TestSign(t *testing.T) {
	key, id := testKey(t, 1)
	_, otherID := testKey(t, 2)
	addr := testAddress(t, 1)

	t.Run("fills peer ID", func(t *testing.T) {
		o := testOffer("", addr, 1, t0.Unix()+60)
		got, err := Verify(mustSign(t, key, o))
		if err != nil || got.PeerID != id {
			t.Fatalf("Verify = %v, %v", got.PeerID, err)
		}
	})
	t.Run("key mismatch", func(t *testing.T) {
		if _, err := Sign(key, testOffer(otherID, addr, 1, t0.Unix()+60)); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("invalid offer", func(t *testing.T) {
		if _, err := Sign(key, testOffer(id, addr, 0, t0.Unix()+60)); !errors.Is(err, ErrInvalidOffer) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("secp256k1", func(t *testing.T) {
		k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(mustSign(t, k, testOffer("", addr, 1, t0.Unix()+60))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ecdsa refused", func(t *testing.T) {
		k, _, err := crypto.GenerateECDSAKeyPair(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Sign(k, testOffer("", addr, 1, t0.Unix()+60)); !errors.Is(err, ErrKeyNotEmbedded) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("largest offer fits", func(t *testing.T) {
		o := testOffer(id, addr, 1, t0.Unix()+60)
		o.FreeGPUs = nil
		for i := range MaxGPUEntries {
			o.FreeGPUs = append(o.FreeGPUs, GPUCount{Model: string(rune('a'+i)) + strings.Repeat("x", MaxModelLen-1), Count: 1})
		}
		o.PricePerGPUHour = strings.Repeat("9", MaxPriceLen)
		b := mustSign(t, key, o)
		if len(b) > MaxOfferBytes {
			t.Fatalf("largest offer is %d bytes", len(b))
		}
		t.Logf("largest signed offer: %d bytes", len(b))
	})
}

func TestAddressValidation(t *testing.T) {
	for i := range uint64(50) {
		a := testAddress(t, i*0x9e3779b97f4a7c15)
		if err := validateAddress(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		// Every single-character substitution breaks the checksum.
		for j := len("gpunet1"); j < len(a); j++ {
			for _, c := range []byte(bech32Charset) {
				if c == a[j] {
					continue
				}
				bad := a[:j] + string(c) + a[j+1:]
				if validateAddress(bad) == nil {
					t.Fatalf("accepted %s (from %s)", bad, a)
				}
			}
		}
	}
	for _, bad := range []string{"", "gpunet1", "gpunet1qqqqqq", "gpunetvaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", strings.Repeat("q", 91)} {
		if validateAddress(bad) == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestComparePrices(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"0", "1", -1}, {"900", "1000", -1}, {"2000000", "2000000", 0}, {"10", "9", 1},
	}
	for _, tt := range tests {
		if got := comparePrices(tt.a, tt.b); got != tt.want {
			t.Errorf("comparePrices(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
