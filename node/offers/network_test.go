package offers

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
)

// These tests run real libp2p hosts on 127.0.0.1 only, connected directly.

const propagationTimeout = 15 * time.Second

type testNode struct {
	h     host.Host
	ps    *pubsub.PubSub
	key   crypto.PrivKey
	id    peer.ID
	addr  string
	v     *Validator // nil for raw (attacker) nodes
	topic *Topic     // nil for raw nodes
	raw   *pubsub.Topic
	mesh  *meshTracer
}

var addrCounter uint64 = 1000

func newHost(tb testing.TB) host.Host {
	tb.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = h.Close() })
	return h
}

// newRawNode is a gpunet pubsub node on the topic without the offer
// validator: it publishes whatever it is told, like an attacker would.
func newRawNode(tb testing.TB, ctx context.Context) *testNode {
	tb.Helper()
	h := newHost(tb)
	mesh := newMeshTracer()
	ps, err := NewPubSub(ctx, h, pubsub.WithRawTracer(mesh))
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := ps.Join(TopicName)
	if err != nil {
		tb.Fatal(err)
	}
	addrCounter++
	return &testNode{h: h, ps: ps, key: h.Peerstore().PrivKey(h.ID()), id: h.ID(), addr: testAddress(tb, addrCounter), raw: raw, mesh: mesh}
}

// newNode is an honest node: validator, topic, view; registered in reg.
func newNode(tb testing.TB, ctx context.Context, reg *fakeRegistry, opts ...Option) *testNode {
	tb.Helper()
	h := newHost(tb)
	mesh := newMeshTracer()
	ps, err := NewPubSub(ctx, h, pubsub.WithRawTracer(mesh))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		tb.Fatal(err)
	}
	v, err := NewValidator(DefaultValidatorConfig(), reg, append([]Option{WithMetrics(m)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	topic, err := Join(ctx, ps, v, logger, WithSelf(h.ID()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = topic.Close() })
	addrCounter++
	n := &testNode{h: h, ps: ps, key: h.Peerstore().PrivKey(h.ID()), id: h.ID(), addr: testAddress(tb, addrCounter), v: v, topic: topic, mesh: mesh}
	reg.set(n.addr, n.id)
	return n
}

func connect(tb testing.TB, a, b *testNode) {
	tb.Helper()
	if err := a.h.Connect(context.Background(), peer.AddrInfo{ID: b.id, Addrs: b.h.Addrs()}); err != nil {
		tb.Fatal(err)
	}
}

func (n *testNode) topicPeers() []peer.ID {
	if n.topic != nil {
		return n.topic.ListPeers()
	}
	return n.raw.ListPeers()
}

// waitTopicPeers waits until a sees b subscribed to the topic.
func waitTopicPeers(tb testing.TB, a, b *testNode) {
	tb.Helper()
	eventually(tb, propagationTimeout, fmt.Sprintf("%s to see %s on the topic", a.id.ShortString(), b.id.ShortString()), func() bool {
		for _, p := range a.topicPeers() {
			if p == b.id {
				return true
			}
		}
		return false
	})
}

// link connects a and b and waits until each has the other in its mesh,
// so either relays for the other (gossipsub fills meshes at heartbeats).
func link(tb testing.TB, a, b *testNode) {
	tb.Helper()
	connect(tb, a, b)
	waitMesh(tb, a, b)
}

func waitMesh(tb testing.TB, a, b *testNode) {
	tb.Helper()
	eventually(tb, propagationTimeout, fmt.Sprintf("mesh link %s-%s", a.id.ShortString(), b.id.ShortString()), func() bool {
		return a.mesh.has(b.id) && b.mesh.has(a.id)
	})
}

func (n *testNode) publishRaw(tb testing.TB, data []byte) {
	tb.Helper()
	if err := n.raw.Publish(context.Background(), data); err != nil {
		tb.Fatal(err)
	}
}

func (n *testNode) hasOffer(id peer.ID, seq uint64) bool {
	o, ok := n.topic.View().Get(id)
	return ok && o.Sequence == seq
}

func TestOfferReachesAllNodes(t *testing.T) {
	ctx := t.Context()
	reg := newFakeRegistry()
	nodes := make([]*testNode, 5)
	for i := range nodes {
		nodes[i] = newNode(t, ctx, reg)
	}
	// A line: 0 - 1 - 2 - 3 - 4, so offers must be relayed.
	for i := 1; i < len(nodes); i++ {
		connect(t, nodes[i-1], nodes[i])
	}
	for i := 1; i < len(nodes); i++ {
		waitMesh(t, nodes[i-1], nodes[i])
	}

	// Node 0 runs a Publisher on its topic.
	src := nodes[0]
	pub, err := NewPublisher(DefaultPublisherConfig(), src.key, src.addr,
		func() Content { return Content{FreeGPUs: []GPUCount{{"H100", 8}}, PricePerGPUHour: "2000000"} },
		&MemorySequenceStore{}, src.topic)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := pub.PublishNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer logNodesOnFailure(t, nodes)
	for i, n := range nodes[1:] {
		eventually(t, propagationTimeout, fmt.Sprintf("node %d to receive node 0's offer", i+1), func() bool {
			return n.hasOffer(src.id, sent.Sequence)
		})
		got, _ := n.topic.View().Get(src.id)
		if !sameOffer(got, sent) {
			t.Fatalf("node %d has %+v, sent %+v", i+1, got, sent)
		}
	}
	if _, ok := src.topic.View().Get(src.id); ok {
		t.Fatal("the read loop did not skip the node's own offer")
	}

	// The middle node's offer goes both ways.
	mid := nodes[2]
	o := testOffer(mid.id, mid.addr, 1, time.Now().Add(5*time.Minute).Unix())
	if err := mid.topic.Publish(ctx, mustSign(t, mid.key, o)); err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if n == mid {
			continue
		}
		eventually(t, propagationTimeout, fmt.Sprintf("node %d to receive node 2's offer", i), func() bool {
			return n.hasOffer(mid.id, 1)
		})
	}
	for i, n := range nodes {
		if n != src && n != mid && len(n.topic.View().List()) != 2 {
			t.Fatalf("node %d lists %d offers, want 2", i, len(n.topic.View().List()))
		}
		for _, r := range reasons {
			if r != ReasonReplayed && counterValue(n.v.Metrics().Dropped(r)) != 0 {
				t.Errorf("node %d dropped an honest offer: %s", i, r)
			}
		}
	}
}

func TestNetworkDropsBadOffers(t *testing.T) {
	ctx := t.Context()
	reg := newFakeRegistry()
	victim := newNode(t, ctx, reg)
	observer := newNode(t, ctx, reg) // hears only what victim relays
	link(t, victim, observer)

	// One raw node per Reject, so no sender is graylisted by an earlier
	// penalty; the provider's drops are Ignores, which cost nothing.
	provider := newRawNode(t, ctx)
	reg.set(provider.addr, provider.id)
	attackers := make([]*testNode, 4)
	for i := range attackers {
		attackers[i] = newRawNode(t, ctx)
	}
	for _, n := range append([]*testNode{provider}, attackers...) {
		connect(t, n, victim)
		waitTopicPeers(t, n, victim)
	}

	exp := func(d time.Duration) int64 { return time.Now().Add(d).Unix() }
	dropped := func(n *testNode, reason string) float64 { return counterValue(n.v.Metrics().Dropped(reason)) }
	expectDrop := func(reason string) {
		t.Helper()
		eventually(t, propagationTimeout, "a drop for "+reason, func() bool { return dropped(victim, reason) == 1 })
	}

	// Forged: the author's own offer, signed by some other key.
	forger, reg0 := attackers[0], attackers[0]
	reg.set(reg0.addr, reg0.id)
	otherKey, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	forger.publishRaw(t, signRaw(t, otherKey, rawPayload(testOffer(forger.id, forger.addr, 1, exp(time.Minute)))))
	expectDrop(ReasonBadSignature)

	// Someone else's valid offer, published under the attacker's name.
	attackers[1].publishRaw(t, mustSign(t, provider.key, testOffer(provider.id, provider.addr, 100, exp(time.Minute))))
	expectDrop(ReasonWrongSender)

	// Too big: over MaxOfferBytes but under the pubsub wire limit, so it
	// reaches the validator.
	attackers[2].publishRaw(t, make([]byte, MaxOfferBytes+100))
	expectDrop(ReasonOversized)

	// A well-formed offer from a peer the chain does not know.
	attackers[3].publishRaw(t, mustSign(t, attackers[3].key, testOffer(attackers[3].id, attackers[3].addr, 1, exp(time.Minute))))
	expectDrop(ReasonUnregistered)

	// The registered provider: expired, then valid, replayed, and later.
	provider.publishRaw(t, mustSign(t, provider.key, testOffer(provider.id, provider.addr, 1, exp(-time.Minute))))
	expectDrop(ReasonExpired)
	valid := mustSign(t, provider.key, testOffer(provider.id, provider.addr, 5, exp(5*time.Minute)))
	provider.publishRaw(t, valid)
	eventually(t, propagationTimeout, "seq 5 at victim", func() bool { return victim.hasOffer(provider.id, 5) })
	provider.publishRaw(t, valid) // same bytes, a new pubsub message
	expectDrop(ReasonReplayed)
	provider.publishRaw(t, mustSign(t, provider.key, testOffer(provider.id, provider.addr, 6, exp(5*time.Minute))))
	eventually(t, propagationTimeout, "seq 6 at victim", func() bool { return victim.hasOffer(provider.id, 6) })
	eventually(t, propagationTimeout, "seq 6 at observer", func() bool { return observer.hasOffer(provider.id, 6) })

	for _, r := range reasons {
		want := 0.0
		switch r {
		case ReasonBadSignature, ReasonWrongSender, ReasonOversized, ReasonUnregistered, ReasonExpired, ReasonReplayed:
			want = 1
		}
		if got := dropped(victim, r); got != want {
			t.Errorf("victim dropped{%s} = %v, want %v", r, got, want)
		}
	}
	if got := counterValue(victim.v.Metrics().Accepted()); got != 2 {
		t.Errorf("victim accepted %v, want 2", got)
	}
	if got := victim.topic.View().List(); len(got) != 1 || got[0].PeerID != provider.id {
		t.Errorf("victim view = %v, want only the provider", ids(got))
	}
	// Nothing dropped was relayed: the observer saw exactly the two
	// accepted offers.
	time.Sleep(200 * time.Millisecond)
	if seen := counterValue(observer.v.Metrics().Seen()); seen != 2 {
		t.Errorf("observer saw %v offers, want 2", seen)
	}
}

func TestTopicLocalPublishValidated(t *testing.T) {
	ctx := t.Context()
	reg := newFakeRegistry()
	n := newNode(t, ctx, reg)
	// Our own offer for an address the chain gave to someone else fails
	// before it leaves the node.
	_, other := testKey(t, 7)
	reg.set(n.addr, other)
	err := n.topic.Publish(ctx, mustSign(t, n.key, testOffer(n.id, n.addr, 1, time.Now().Add(time.Minute).Unix())))
	if err == nil {
		t.Fatal("publish of an offer the validator rejects succeeded")
	}
	if got := counterValue(n.v.Metrics().Dropped(ReasonPeerMismatch)); got != 1 {
		t.Fatalf("peer_mismatch = %v", got)
	}
}

func logNodesOnFailure(t *testing.T, nodes []*testNode) {
	if !t.Failed() {
		return
	}
	for i, n := range nodes {
		t.Logf("node %d: seen %v accepted %v topic peers %d", i,
			counterValue(n.v.Metrics().Seen()), counterValue(n.v.Metrics().Accepted()), len(n.topic.ListPeers()))
		for _, r := range reasons {
			if d := counterValue(n.v.Metrics().Dropped(r)); d > 0 {
				t.Logf("  dropped %s: %v", r, d)
			}
		}
	}
}

func TestViewDropsExpiredOffers(t *testing.T) {
	ctx := t.Context()
	reg := newFakeRegistry()
	clk := newTestClock(time.Now())
	sender := newNode(t, ctx, reg)
	receiver := newNode(t, ctx, reg, WithClock(clk.Now))
	link(t, sender, receiver)

	o := testOffer(sender.id, sender.addr, 1, clk.UnixPlus(time.Minute))
	if err := sender.topic.Publish(ctx, mustSign(t, sender.key, o)); err != nil {
		t.Fatal(err)
	}
	eventually(t, propagationTimeout, "offer at receiver", func() bool { return receiver.hasOffer(sender.id, 1) })
	clk.Advance(time.Minute)
	if _, ok := receiver.topic.View().Get(sender.id); ok {
		t.Fatal("expired offer still in the view")
	}
	if n := len(receiver.topic.View().List()); n != 0 {
		t.Fatalf("List has %d offers after expiry", n)
	}
}

func TestTopicCloseLeavesNoGoroutines(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := newHost(t)
	ps, err := NewPubSub(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewValidator(DefaultValidatorConfig(), newFakeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	topic, err := Join(ctx, ps, v, nil, WithSelf(h.ID()))
	if err != nil {
		t.Fatal(err)
	}
	if err := topic.Close(); err != nil {
		t.Fatal(err)
	}
	if err := topic.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// The host's identify service starts goroutines of its own whenever it
	// likes (e.g. on an address change); they belong to the host, which
	// this test keeps open, not to the topic.
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("github.com/libp2p/go-libp2p/p2p/protocol/identify.(*idService).loop.func1"))

	// The topic can be joined again after Close (validator unregistered).
	topic, err = Join(ctx, ps, v, nil)
	if err != nil {
		t.Fatalf("rejoin: %v", err)
	}
	if err := topic.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidOffersGraylistSender(t *testing.T) {
	ctx := t.Context()
	reg := newFakeRegistry()
	victim := newNode(t, ctx, reg)
	attacker := newRawNode(t, ctx) // its address is not registered
	connect(t, attacker, victim)
	waitTopicPeers(t, attacker, victim)

	seen := func() float64 { return counterValue(victim.v.Metrics().Seen()) }
	// Three invalid offers: -10, -40, -90, past the -80 graylist threshold.
	for seq := uint64(1); seq <= 3; seq++ {
		attacker.publishRaw(t, mustSign(t, attacker.key, testOffer(attacker.id, attacker.addr, seq, time.Now().Add(time.Minute).Unix())))
		eventually(t, propagationTimeout, fmt.Sprintf("reject %d", seq), func() bool { return seen() == float64(seq) })
	}
	attacker.publishRaw(t, mustSign(t, attacker.key, testOffer(attacker.id, attacker.addr, 4, time.Now().Add(time.Minute).Unix())))
	time.Sleep(300 * time.Millisecond)
	if got := seen(); got != 3 {
		t.Fatalf("victim validated %v offers; a graylisted sender's 4th should not reach the validator", got)
	}
	if got := counterValue(victim.v.Metrics().Dropped(ReasonUnregistered)); got != 3 {
		t.Fatalf("unregistered drops = %v, want 3", got)
	}
}
