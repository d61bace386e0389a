package offers

import (
	"bytes"
	"crypto/rand"
	"slices"
	"strconv"
	"testing"
	"unicode"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"pgregory.net/rapid"
)

// genOffer draws valid offers for one of keys.
func genOffer(t *rapid.T, keys []crypto.PrivKey) (crypto.PrivKey, Offer) {
	key := rapid.SampledFrom(keys).Draw(t, "key")
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	models := rapid.SliceOfNDistinct(
		rapid.StringOfN(rapid.RuneFrom([]rune{' ', '-', '_'}, unicode.L, unicode.Nd), 1, 20, MaxModelLen),
		0, MaxGPUEntries, func(s string) string { return s },
	).Draw(t, "models")
	slices.Sort(models)
	gpus := make([]GPUCount, len(models))
	for i, m := range models {
		gpus[i] = GPUCount{Model: m, Count: rapid.Uint32Min(1).Draw(t, "count")}
	}
	return key, Offer{
		PeerID:          id,
		ChainAddress:    rapid.Custom(func(t *rapid.T) string { return testAddress(t, rapid.Uint64().Draw(t, "acct")) }).Draw(t, "addr"),
		FreeGPUs:        gpus,
		PricePerGPUHour: strconv.FormatUint(rapid.Uint64().Draw(t, "price"), 10),
		Sequence:        rapid.Uint64Min(1).Draw(t, "seq"),
		Expiry:          rapid.Int64Min(1).Draw(t, "expiry"),
	}
}

func testKeys(t *testing.T) []crypto.PrivKey {
	var keys []crypto.PrivKey
	for i := range 3 {
		k, _ := testKey(t, int64(100+i))
		keys = append(keys, k)
	}
	k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return append(keys, k)
}

func TestPropSignVerifyRoundTrip(t *testing.T) {
	keys := testKeys(t)
	rapid.Check(t, func(t *rapid.T) {
		key, o := genOffer(t, keys)
		b, err := Sign(key, o)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if len(b) > MaxOfferBytes {
			t.Fatalf("%d bytes", len(b))
		}
		got, err := Verify(b)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if !sameOffer(got, o) {
			t.Fatalf("round trip: got %+v, want %+v", got, o)
		}
		// Signing is deterministic for ed25519, and encoding always is.
		p1, _ := encodePayload(o)
		p2, _ := encodePayload(got)
		if !bytes.Equal(p1, p2) {
			t.Fatal("payload changed across the round trip")
		}
	})
}

func TestPropAnyChangeBreaksVerify(t *testing.T) {
	keys := testKeys(t)
	rapid.Check(t, func(t *rapid.T) {
		key, o := genOffer(t, keys)
		b, err := Sign(key, o)
		if err != nil {
			t.Fatal(err)
		}
		i := rapid.IntRange(0, len(b)-1).Draw(t, "index")
		x := rapid.ByteRange(1, 255).Draw(t, "xor")
		b[i] ^= x
		if got, err := Verify(b); err == nil {
			t.Fatalf("Verify accepted a changed offer (byte %d ^ %#x): %+v", i, x, got)
		}
	})
}

func TestPropDecodeNeverPanics(t *testing.T) {
	keys := testKeys(t)
	random := rapid.SliceOfN(rapid.Byte(), 0, MaxOfferBytes+16)
	// Near-valid inputs reach deeper: a signed offer with bytes replaced,
	// inserted or cut.
	edited := rapid.Custom(func(t *rapid.T) []byte {
		key, o := genOffer(t, keys)
		b, err := Sign(key, o)
		if err != nil {
			t.Fatal(err)
		}
		for range rapid.IntRange(1, 4).Draw(t, "edits") {
			i := rapid.IntRange(0, len(b)-1).Draw(t, "at")
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				b[i] = rapid.Byte().Draw(t, "byte")
			case 1:
				b = slices.Insert(b, i, rapid.Byte().Draw(t, "byte"))
			default:
				b = slices.Delete(b, i, i+1)
			}
			if len(b) == 0 {
				break
			}
		}
		return b
	})
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.OneOf(random, edited).Draw(t, "input")
		checkDecodeRoundTrip(t, b)
		_, _ = Verify(b)
	})
}

// checkDecodeRoundTrip: Decode must not panic, and whatever it accepts must
// re-encode to the same payload and envelope.
func checkDecodeRoundTrip(t interface{ Fatalf(string, ...any) }, b []byte) {
	o, err := Decode(b)
	if err != nil {
		return
	}
	e, err := decodeEnvelope(b)
	if err != nil {
		t.Fatalf("Decode accepted what decodeEnvelope rejects: %v", err)
	}
	p, err := encodePayload(o)
	if err != nil {
		t.Fatalf("decoded offer does not re-encode: %v", err)
	}
	if !bytes.Equal(p, e.payload) {
		t.Fatalf("payload re-encodes differently:\n got %x\nwant %x", p, e.payload)
	}
	if !bytes.Equal(encodeEnvelope(envelope{payload: p, signature: e.signature}), b) {
		t.Fatalf("envelope re-encodes differently")
	}
}
