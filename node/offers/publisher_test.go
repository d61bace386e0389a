package offers

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// captureSink records what a Publisher publishes.
type captureSink struct {
	mu  sync.Mutex
	got [][]byte
	err error
	pub chan struct{}
}

func newCaptureSink() *captureSink { return &captureSink{pub: make(chan struct{}, 100)} }

func (s *captureSink) Publish(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, b)
	s.pub <- struct{}{}
	return nil
}

func (s *captureSink) offers(t *testing.T) []Offer {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Offer, len(s.got))
	for i, b := range s.got {
		o, err := Verify(b)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = o
	}
	return out
}

type failingStore struct{ MemorySequenceStore }

func (*failingStore) SaveSequence(uint64) error { return errors.New("disk full") }

func TestPublisher(t *testing.T) {
	key, id := testKey(t, 1)
	addr := testAddress(t, 1)
	clk := newTestClock(t0)
	store := &MemorySequenceStore{}
	sink := newCaptureSink()
	content := Content{
		FreeGPUs:        []GPUCount{{"H100", 1}, {"A100", 2}, {"H100", 3}, {"V100", 0}},
		PricePerGPUHour: "2500000",
	}
	source := func() Content { return content }
	cfg := DefaultPublisherConfig()
	ctx := context.Background()

	p, err := NewPublisher(cfg, key, addr, source, store, sink, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	o1, err := p.PublishNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(0) // same second: the sequence still grows
	o2, err := p.PublishNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o1.PeerID != id || o1.ChainAddress != addr || o1.Expiry != t0.Add(cfg.TTL).Unix() {
		t.Fatalf("offer = %+v", o1)
	}
	if want := []GPUCount{{"A100", 2}, {"H100", 4}}; !sameOffer(Offer{FreeGPUs: o1.FreeGPUs}, Offer{FreeGPUs: want}) {
		t.Fatalf("FreeGPUs = %v, want %v", o1.FreeGPUs, want)
	}
	if o2.Sequence != o1.Sequence+1 {
		t.Fatalf("sequences %d then %d", o1.Sequence, o2.Sequence)
	}
	if saved, _ := store.LoadSequence(); saved != o2.Sequence {
		t.Fatalf("saved %d, want %d", saved, o2.Sequence)
	}
	if got := sink.offers(t); len(got) != 2 || !sameOffer(got[1], o2) {
		t.Fatalf("published %+v", got)
	}

	// A restart on the same store continues after the last number, even
	// with the clock set back.
	clk.Set(t0.Add(-time.Hour))
	p2, err := NewPublisher(cfg, key, addr, source, store, sink, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	o3, err := p2.PublishNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o3.Sequence != o2.Sequence+1 {
		t.Fatalf("after restart sequence %d, want %d", o3.Sequence, o2.Sequence+1)
	}

	// A lost store still moves past old numbers: the floor is unix time.
	clk.Set(t0.Add(time.Hour))
	p3, _ := NewPublisher(cfg, key, addr, source, &MemorySequenceStore{}, sink, WithClock(clk.Now))
	if o4, _ := p3.PublishNow(ctx); o4.Sequence <= o3.Sequence {
		t.Fatalf("fresh store sequence %d not above %d", o4.Sequence, o3.Sequence)
	}

	// Nothing is published under a number that could not be saved.
	n := len(sink.offers(t))
	p4, _ := NewPublisher(cfg, key, addr, source, &failingStore{}, sink, WithClock(clk.Now))
	if _, err := p4.PublishNow(ctx); err == nil || len(sink.offers(t)) != n {
		t.Fatalf("publish with a failing store: err %v, %d published", err, len(sink.offers(t))-n)
	}

	// Invalid content is refused, not published.
	content.PricePerGPUHour = "cheap"
	if _, err := p.PublishNow(ctx); !errors.Is(err, ErrInvalidOffer) {
		t.Fatalf("invalid price: %v", err)
	}
}

func TestPublisherRun(t *testing.T) {
	key, _ := testKey(t, 1)
	sink := newCaptureSink()
	cfg := PublisherConfig{Heartbeat: 50 * time.Millisecond, TTL: time.Minute, MinInterval: 10 * time.Millisecond}
	p, err := NewPublisher(cfg, key, testAddress(t, 1), func() Content { return Content{PricePerGPUHour: "1"} },
		&MemorySequenceStore{}, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()

	wait := func(what string) {
		t.Helper()
		select {
		case <-sink.pub:
		case <-time.After(5 * time.Second):
			t.Fatalf("no publish: %s", what)
		}
	}
	wait("at start")
	p.Notify()
	p.Notify() // coalesces
	wait("after Notify")
	wait("at heartbeat")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := sink.offers(t)
	for i := 1; i < len(got); i++ {
		if got[i].Sequence <= got[i-1].Sequence {
			t.Fatalf("sequence went %d -> %d", got[i-1].Sequence, got[i].Sequence)
		}
	}
}

func TestPublisherConfig(t *testing.T) {
	key, _ := testKey(t, 1)
	src := func() Content { return Content{} }
	for _, cfg := range []PublisherConfig{
		{Heartbeat: 0, TTL: time.Minute},
		{Heartbeat: time.Minute, TTL: time.Minute},
		{Heartbeat: time.Minute, TTL: 2 * time.Minute, MinInterval: -1},
		{Heartbeat: time.Minute, TTL: 2 * time.Minute, MinInterval: time.Minute},
	} {
		if _, err := NewPublisher(cfg, key, testAddress(t, 1), src, &MemorySequenceStore{}, newCaptureSink()); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if _, err := NewPublisher(DefaultPublisherConfig(), key, "cosmos1abc", src, &MemorySequenceStore{}, newCaptureSink()); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad address: %v", err)
	}
}
