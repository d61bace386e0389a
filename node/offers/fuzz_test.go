package offers

import (
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// fuzzSeeds are valid signed offers: typical, empty, largest, secp256k1.
func fuzzSeeds(f *testing.F) [][]byte {
	key, id := testKey(f, 1)
	addr := testAddress(f, 42)
	typical := testOffer(id, addr, 7, t0.Unix()+300)
	empty := typical
	empty.FreeGPUs, empty.PricePerGPUHour = nil, "0"
	largest := typical
	largest.FreeGPUs = nil
	for i := range MaxGPUEntries {
		largest.FreeGPUs = append(largest.FreeGPUs, GPUCount{Model: string(rune('a'+i)) + strings.Repeat("é", (MaxModelLen-1)/2), Count: ^uint32(0)})
	}
	largest.PricePerGPUHour = strings.Repeat("9", MaxPriceLen)
	largest.Sequence, largest.Expiry = ^uint64(0), 1<<62

	secp, _, err := crypto.GenerateSecp256k1Key(strings.NewReader(strings.Repeat("gpunet fuzz seed ", 8)))
	if err != nil {
		f.Fatal(err)
	}
	secpID, _ := peer.IDFromPrivateKey(secp)

	return [][]byte{
		mustSign(f, key, typical),
		mustSign(f, key, empty),
		mustSign(f, key, largest),
		mustSign(f, secp, testOffer(secpID, addr, 1, t0.Unix()+60)),
	}
}

func FuzzDecodeOffer(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecodeRoundTrip(t, b)
	})
}

func FuzzVerifyOffer(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Verify(b)
		if err != nil {
			return
		}
		checkDecodeRoundTrip(t, b)
		d, err := Decode(b)
		if err != nil || !sameOffer(d, o) {
			t.Fatalf("Verify accepted what Decode gives as %+v, %v", d, err)
		}
		// An accepted offer's signature really is its peer's.
		e, _ := decodeEnvelope(b)
		pub, err := o.PeerID.ExtractPublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := pub.Verify(signedMessage(e.payload), e.signature); !ok || err != nil {
			t.Fatal("accepted signature does not verify")
		}
	})
}
