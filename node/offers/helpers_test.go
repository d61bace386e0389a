package offers

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/types/bech32"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// t0 is the tests' "now".
var t0 = time.Unix(1_700_000_000, 0)

// testClock is a settable clock.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *testClock) Now() time.Time                 { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration)        { c.ns.Add(int64(d)) }
func (c *testClock) Set(t time.Time)                { c.ns.Store(t.UnixNano()) }
func (c *testClock) UnixPlus(d time.Duration) int64 { return c.Now().Add(d).Unix() }

// testKey is a deterministic ed25519 key.
func testKey(tb testing.TB, seed int64) (crypto.PrivKey, peer.ID) {
	tb.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.New(rand.NewSource(seed)))
	if err != nil {
		tb.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return k, id
}

// fataler is what both *testing.T and *rapid.T provide.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// testAddress is a valid gpunet bech32 address, encoded by the SDK's codec
// (independent of validateAddress).
func testAddress(tb fataler, n uint64) string {
	tb.Helper()
	b := make([]byte, 20)
	binary.BigEndian.PutUint64(b[12:], n)
	s, err := bech32.ConvertAndEncode(AddressPrefix, b)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func testOffer(id peer.ID, addr string, seq uint64, expiry int64) Offer {
	return Offer{
		PeerID:          id,
		ChainAddress:    addr,
		FreeGPUs:        []GPUCount{{Model: "NVIDIA A100-SXM4-80GB", Count: 4}, {Model: "NVIDIA H100", Count: 2}},
		PricePerGPUHour: "2000000",
		Sequence:        seq,
		Expiry:          expiry,
	}
}

func mustSign(tb testing.TB, k crypto.PrivKey, o Offer) []byte {
	tb.Helper()
	b, err := Sign(k, o)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rawPayload encodes o like encodePayload but without validating it, to
// build invalid inputs.
func rawPayload(o Offer) []byte {
	b := []byte{payloadVersion}
	b = appendShort(b, string(o.PeerID))
	b = appendShort(b, o.ChainAddress)
	b = append(b, byte(len(o.FreeGPUs)))
	for _, g := range o.FreeGPUs {
		b = appendShort(b, g.Model)
		b = binary.BigEndian.AppendUint32(b, g.Count)
	}
	b = appendShort(b, o.PricePerGPUHour)
	b = binary.BigEndian.AppendUint64(b, o.Sequence)
	return binary.BigEndian.AppendUint64(b, uint64(o.Expiry))
}

// signRaw signs any payload with any key into an envelope.
func signRaw(tb testing.TB, k crypto.PrivKey, payload []byte) []byte {
	tb.Helper()
	sig, err := k.Sign(signedMessage(payload))
	if err != nil {
		tb.Fatal(err)
	}
	return encodeEnvelope(envelope{payload: payload, signature: sig})
}

// testMessage is a pubsub message on TopicName authored by author.
func testMessage(author peer.ID, data []byte) *pubsub.Message {
	topic := TopicName
	return &pubsub.Message{
		Message:      &pb.Message{From: []byte(author), Data: data, Topic: &topic},
		ReceivedFrom: author,
	}
}

// fakeRegistry maps addresses to peers and counts lookups.
type fakeRegistry struct {
	mu      sync.Mutex
	peers   map[string]peer.ID
	err     error
	lookups int
}

var _ Registry = (*fakeRegistry)(nil)

func newFakeRegistry() *fakeRegistry { return &fakeRegistry{peers: make(map[string]peer.ID)} }

func (r *fakeRegistry) PeerIDOf(_ context.Context, addr string) (peer.ID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups++
	if r.err != nil {
		return "", r.err
	}
	id, ok := r.peers[addr]
	if !ok {
		return "", ErrNotRegistered
	}
	return id, nil
}

func (r *fakeRegistry) set(addr string, id peer.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.peers[addr] = id
}

func (r *fakeRegistry) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func (r *fakeRegistry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups
}

var errChainDown = errors.New("chain unreachable")

// sameOffer compares offers, treating nil and empty GPU lists alike.
func sameOffer(a, b Offer) bool {
	if a.PeerID != b.PeerID || a.ChainAddress != b.ChainAddress || a.PricePerGPUHour != b.PricePerGPUHour ||
		a.Sequence != b.Sequence || a.Expiry != b.Expiry || len(a.FreeGPUs) != len(b.FreeGPUs) {
		return false
	}
	for i := range a.FreeGPUs {
		if a.FreeGPUs[i] != b.FreeGPUs[i] {
			return false
		}
	}
	return true
}

// eventually polls cond until it holds or d passes.
func eventually(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// counterValue reads a counter, like prometheus/testutil.ToFloat64. (testutil
// itself imports github.com/kylelemons/godebug, which go.mod does not list.)
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
