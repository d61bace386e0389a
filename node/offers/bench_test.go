package offers

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
)

// BenchmarkValidate is one full validation of a valid, fresh signed offer:
// size check, decode, author check, ed25519 verify, clock checks, cached
// registry lookup, sequence bump. Compare with the baseline below: the
// difference is the validator's own overhead.
func BenchmarkValidate(b *testing.B) {
	key, id := testKey(b, 1)
	addr := testAddress(b, 1)
	reg := newFakeRegistry()
	reg.set(addr, id)
	clk := newTestClock(t0)
	v := newTestValidator(b, reg, clk)
	ctx := context.Background()
	exp := clk.UnixPlus(5 * time.Minute)

	// Warm the registry cache, as in steady state.
	if r := v.Validate(ctx, id, testMessage(id, mustSign(b, key, testOffer(id, addr, 1, exp)))); r != pubsub.ValidationAccept {
		b.Fatal(r)
	}
	// Every iteration needs a new sequence, so sign them all up front.
	msgs := make([]*pubsub.Message, b.N)
	for i := range msgs {
		msgs[i] = testMessage(id, mustSign(b, key, testOffer(id, addr, uint64(i+2), exp)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := v.Validate(ctx, id, msgs[i]); r != pubsub.ValidationAccept {
			b.Fatal(r)
		}
	}
}

// BenchmarkEd25519VerifyBaseline is the bare signature check of the same
// offer: the floor under BenchmarkValidate.
func BenchmarkEd25519VerifyBaseline(b *testing.B) {
	key, id := testKey(b, 1)
	signed := mustSign(b, key, testOffer(id, testAddress(b, 1), 2, t0.Add(5*time.Minute).Unix()))
	e, err := decodeEnvelope(signed)
	if err != nil {
		b.Fatal(err)
	}
	msg := signedMessage(e.payload)
	pub := key.GetPublic()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ok, err := pub.Verify(msg, e.signature); !ok || err != nil {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkPropagation times one offer from Publish on one node until every
// other node has it in its View, over N loopback hosts in a seeded sparse
// random topology (average degree 4). Hosts, meshes and registry caches are
// set up before the timer; publishers rotate over the nodes. N=2, a single
// hop between two connected hosts, is the baseline: the rest is what
// multi-hop gossip adds.
func BenchmarkPropagation(b *testing.B) {
	for _, n := range []int{2, 10, 30} {
		nodes, closeAll := newBenchNetwork(b, n, 1)
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			seq := make([]uint64, n)
			for i := range seq {
				seq[i] = 1 // warm-up used 1
			}
			// Resume sequences across the framework's repeated calls.
			for i, node := range nodes {
				if o, ok := nodes[(i+1)%n].topic.View().Get(node.id); ok {
					seq[i] = o.Sequence
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := i % n
				src := nodes[p]
				seq[p]++
				b.StopTimer()
				signed := mustSign(b, src.key, testOffer(src.id, src.addr, seq[p], time.Now().Add(5*time.Minute).Unix()))
				b.StartTimer()
				if err := src.topic.Publish(context.Background(), signed); err != nil {
					b.Fatal(err)
				}
				waitAllHave(b, nodes, p, seq[p])
			}
		})
		closeAll()
	}
}

// newBenchNetwork starts n honest nodes linked by a random spanning tree
// plus random extra edges up to 2n edges, all from seed; it waits for the
// meshes and sends one warm-up offer per node.
func newBenchNetwork(b *testing.B, n int, seed int64) ([]*testNode, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	reg := newFakeRegistry()
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = newNode(b, ctx, reg)
	}
	rng := rand.New(rand.NewSource(seed))
	deg := make([]int, n)
	edges := map[[2]int]bool{}
	addEdge := func(i, j int) {
		if i == j || edges[[2]int{min(i, j), max(i, j)}] {
			return
		}
		edges[[2]int{min(i, j), max(i, j)}] = true
		deg[i]++
		deg[j]++
		connect(b, nodes[i], nodes[j])
	}
	perm := rng.Perm(n)
	for k := 1; k < n; k++ {
		addEdge(perm[k], perm[rng.Intn(k)])
	}
	for len(edges) < min(2*n, n*(n-1)/2) { // a complete graph when n is small
		addEdge(rng.Intn(n), rng.Intn(n))
	}
	// Gossipsub grafts up to D=6 at each heartbeat; wait until every node
	// has min(degree, Dlo=5) mesh peers.
	for i, node := range nodes {
		want := min(deg[i], 5)
		eventually(b, propagationTimeout, fmt.Sprintf("mesh of node %d", i), func() bool {
			node.mesh.mu.Lock()
			defer node.mesh.mu.Unlock()
			return len(node.mesh.mesh) >= want
		})
	}
	for p, src := range nodes {
		signed := mustSign(b, src.key, testOffer(src.id, src.addr, 1, time.Now().Add(5*time.Minute).Unix()))
		if err := src.topic.Publish(ctx, signed); err != nil {
			b.Fatal(err)
		}
		waitAllHave(b, nodes, p, 1)
	}
	return nodes, func() {
		for _, node := range nodes {
			_ = node.topic.Close()
			_ = node.h.Close()
		}
		cancel()
	}
}

// waitAllHave blocks until every node but src has src's offer seq.
func waitAllHave(b *testing.B, nodes []*testNode, src int, seq uint64) {
	id := nodes[src].id
	timeout := time.After(propagationTimeout)
	for i, node := range nodes {
		if i == src {
			continue
		}
		for {
			changed := node.topic.View().Changed()
			if o, ok := node.topic.View().Get(id); ok && o.Sequence >= seq {
				break
			}
			select {
			case <-changed:
			case <-timeout:
				b.Fatalf("node %d did not get node %d's offer %d", i, src, seq)
			}
		}
	}
}
