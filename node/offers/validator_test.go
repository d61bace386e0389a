package offers

import (
	"context"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/prometheus/client_golang/prometheus"
)

func newTestValidator(t testing.TB, reg Registry, clk *testClock) *Validator {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewValidator(DefaultValidatorConfig(), reg, WithClock(clk.Now), WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidator(t *testing.T) {
	key, id := testKey(t, 1)
	other, otherID := testKey(t, 2)
	addr, otherAddr, unregistered := testAddress(t, 1), testAddress(t, 2), testAddress(t, 3)
	exp := t0.Add(5 * time.Minute).Unix()

	// Each step runs against the same validator, in order, so the replay
	// steps see the sequence the earlier ones accepted.
	steps := []struct {
		name   string
		author string // "self" or "other"
		data   []byte
		chain  error // registry error for this step
		want   pubsub.ValidationResult
		reason string
	}{
		{"oversized", "self", make([]byte, MaxOfferBytes+1), nil, pubsub.ValidationReject, ReasonOversized},
		{"garbage", "self", []byte("{\"peer\":\"me\"}"), nil, pubsub.ValidationReject, ReasonMalformed},
		{"invalid field", "self", signRaw(t, key, rawPayload(testOffer(id, addr, 0, exp))), nil, pubsub.ValidationReject, ReasonMalformed},
		{"relayed under another author", "other", mustSign(t, key, testOffer(id, addr, 1, exp)), nil, pubsub.ValidationReject, ReasonWrongSender},
		{"signed by another key", "self", signRaw(t, other, rawPayload(testOffer(id, addr, 1, exp))), nil, pubsub.ValidationReject, ReasonBadSignature},
		{"expired", "self", mustSign(t, key, testOffer(id, addr, 1, t0.Unix()-1)), nil, pubsub.ValidationIgnore, ReasonExpired},
		{"expires now", "self", mustSign(t, key, testOffer(id, addr, 1, t0.Unix())), nil, pubsub.ValidationIgnore, ReasonExpired},
		{"too far in the future", "self", mustSign(t, key, testOffer(id, addr, 1, t0.Add(11*time.Minute).Unix())), nil, pubsub.ValidationReject, ReasonTooFarFuture},
		{"unregistered address", "self", mustSign(t, key, testOffer(id, unregistered, 1, exp)), nil, pubsub.ValidationReject, ReasonUnregistered},
		{"address of another peer", "self", mustSign(t, key, testOffer(id, otherAddr, 1, exp)), nil, pubsub.ValidationReject, ReasonPeerMismatch},
		{"chain down", "self", mustSign(t, key, testOffer(id, addr, 1, exp)), errChainDown, pubsub.ValidationIgnore, ReasonRegistryError},
		{"valid", "self", mustSign(t, key, testOffer(id, addr, 5, exp)), nil, pubsub.ValidationAccept, ""},
		{"max TTL exactly", "self", mustSign(t, key, testOffer(id, addr, 6, t0.Add(10*time.Minute).Unix())), nil, pubsub.ValidationAccept, ""},
		{"same sequence again", "self", mustSign(t, key, testOffer(id, addr, 6, exp)), nil, pubsub.ValidationIgnore, ReasonReplayed},
		{"older sequence", "self", mustSign(t, key, testOffer(id, addr, 3, exp)), nil, pubsub.ValidationIgnore, ReasonReplayed},
		{"later sequence", "self", mustSign(t, key, testOffer(id, addr, 7, exp)), nil, pubsub.ValidationAccept, ""},
		{"other peer's own offer", "other", mustSign(t, other, testOffer(otherID, otherAddr, 1, exp)), nil, pubsub.ValidationAccept, ""},
	}

	reg := newFakeRegistry()
	reg.set(addr, id)
	reg.set(otherAddr, otherID)
	v := newTestValidator(t, reg, newTestClock(t0))
	want := map[string]float64{}
	accepted := 0.0
	for i, s := range steps {
		author := id
		if s.author == "other" {
			author = otherID
		}
		reg.setErr(s.chain)
		msg := testMessage(author, s.data)
		got := v.Validate(context.Background(), author, msg)
		if got != s.want {
			t.Fatalf("%s: result %v, want %v", s.name, got, s.want)
		}
		if s.want == pubsub.ValidationAccept {
			accepted++
			o, ok := msg.ValidatorData.(Offer)
			if !ok || o.PeerID != author {
				t.Fatalf("%s: ValidatorData = %#v", s.name, msg.ValidatorData)
			}
		} else {
			want[s.reason]++
		}
		for _, r := range reasons {
			if got := counterValue(v.Metrics().Dropped(r)); got != want[r] {
				t.Fatalf("%s: dropped{%s} = %v, want %v", s.name, r, got, want[r])
			}
		}
		if got := counterValue(v.Metrics().Seen()); got != float64(i+1) {
			t.Fatalf("%s: seen = %v, want %d", s.name, got, i+1)
		}
		if got := counterValue(v.Metrics().Accepted()); got != accepted {
			t.Fatalf("%s: accepted = %v, want %v", s.name, got, accepted)
		}
	}
}

func TestValidatorRegistryCache(t *testing.T) {
	key, id := testKey(t, 1)
	_, otherID := testKey(t, 2)
	addr, newAddr := testAddress(t, 1), testAddress(t, 9)
	reg := newFakeRegistry()
	reg.set(addr, id)
	clk := newTestClock(t0)
	v := newTestValidator(t, reg, clk)
	ctx := context.Background()
	seq := uint64(0)
	validate := func(a string) pubsub.ValidationResult {
		seq++
		b := mustSign(t, key, testOffer(id, a, seq, clk.UnixPlus(5*time.Minute)))
		return v.Validate(ctx, id, testMessage(id, b))
	}

	for range 5 {
		if r := validate(addr); r != pubsub.ValidationAccept {
			t.Fatalf("result %v", r)
		}
	}
	if n := reg.count(); n != 1 {
		t.Fatalf("%d registry lookups for one address, want 1 (cached)", n)
	}

	// The chain moves the address to another peer; the cache hides it
	// until Invalidate.
	reg.set(addr, otherID)
	if r := validate(addr); r != pubsub.ValidationAccept {
		t.Fatalf("cached answer: result %v", r)
	}
	v.Invalidate(addr)
	if r := validate(addr); r != pubsub.ValidationReject {
		t.Fatalf("after Invalidate: result %v, want Reject", r)
	}

	// "Not registered" is cached briefly, then asked again.
	if r := validate(newAddr); r != pubsub.ValidationReject {
		t.Fatalf("unregistered: %v", r)
	}
	reg.set(newAddr, id)
	if r := validate(newAddr); r != pubsub.ValidationReject {
		t.Fatalf("negative cache: %v", r)
	}
	clk.Advance(DefaultValidatorConfig().NegativeRegistryTTL + time.Second)
	if r := validate(newAddr); r != pubsub.ValidationAccept {
		t.Fatalf("after negative TTL: %v", r)
	}

	// Positive answers expire too.
	before := reg.count()
	clk.Advance(DefaultValidatorConfig().RegistryTTL + time.Second)
	validate(newAddr)
	if reg.count() != before+1 {
		t.Fatal("positive cache entry did not expire")
	}
}

func TestValidatorForgetsOldSequences(t *testing.T) {
	key, id := testKey(t, 1)
	addr := testAddress(t, 1)
	reg := newFakeRegistry()
	reg.set(addr, id)
	clk := newTestClock(t0)
	v := newTestValidator(t, reg, clk)
	b := mustSign(t, key, testOffer(id, addr, 10, clk.UnixPlus(5*time.Minute)))
	if r := v.Validate(context.Background(), id, testMessage(id, b)); r != pubsub.ValidationAccept {
		t.Fatal(r)
	}
	clk.Advance(DefaultValidatorConfig().MaxTTL + seqPruneEvery + time.Second)
	// Any validation that reaches the sequence check prunes.
	_, id2 := testKey(t, 3)
	reg.set(testAddress(t, 3), id2)
	k2, _ := testKey(t, 3)
	b2 := mustSign(t, k2, testOffer(id2, testAddress(t, 3), 1, clk.UnixPlus(time.Minute)))
	if r := v.Validate(context.Background(), id2, testMessage(id2, b2)); r != pubsub.ValidationAccept {
		t.Fatal(r)
	}
	v.mu.Lock()
	_, kept := v.last[id]
	v.mu.Unlock()
	if kept {
		t.Fatal("sequence of a peer silent for longer than MaxTTL was kept")
	}
}

func TestValidatorConfig(t *testing.T) {
	if err := DefaultValidatorConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(c *ValidatorConfig){
		func(c *ValidatorConfig) { c.MaxTTL = 0 },
		func(c *ValidatorConfig) { c.RegistryTTL = -1 },
		func(c *ValidatorConfig) { c.RegistryCacheSize = 0 },
		func(c *ValidatorConfig) { c.Timeout = 0 },
	}
	for i, edit := range bad {
		c := DefaultValidatorConfig()
		edit(&c)
		if _, err := NewValidator(c, newFakeRegistry()); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if _, err := NewValidator(DefaultValidatorConfig(), nil); err == nil {
		t.Error("nil registry accepted")
	}
}

func TestMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Fatal("registering twice succeeded")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
	}
	if series["gpunet_offers_dropped_total"] != len(reasons) || series["gpunet_offers_seen_total"] != 1 {
		t.Fatalf("series = %v; want %d dropped reasons", series, len(reasons))
	}
}

func TestRegistryCacheBounded(t *testing.T) {
	reg := newFakeRegistry()
	_, id := testKey(t, 1)
	c := newRegistryCache(reg, time.Minute, time.Second, 2)
	for i := range uint64(5) {
		a := testAddress(t, i)
		reg.set(a, id)
		if got, err := c.lookup(context.Background(), a, t0); err != nil || got != id {
			t.Fatalf("lookup %d: %v, %v", i, got, err)
		}
		if len(c.entries) > 2 {
			t.Fatalf("cache holds %d entries, bound 2", len(c.entries))
		}
	}
	// Expired entries go first when the cache is full.
	c = newRegistryCache(reg, time.Minute, time.Second, 2)
	c.lookup(context.Background(), testAddress(t, 0), t0)
	c.lookup(context.Background(), testAddress(t, 1), t0.Add(2*time.Minute))
	c.lookup(context.Background(), testAddress(t, 2), t0.Add(2*time.Minute))
	if _, ok := c.entries[testAddress(t, 1)]; !ok || len(c.entries) != 2 {
		t.Fatalf("entries after eviction: %v", c.entries)
	}
}
