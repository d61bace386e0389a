package offers

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestView(t *testing.T) {
	clk := newTestClock(t0)
	v := NewView(WithClock(clk.Now))
	_, a := testKey(t, 1)
	_, b := testKey(t, 2)
	_, c := testKey(t, 3)
	addr := testAddress(t, 1)
	offer := func(id peer.ID, price string, seq uint64, ttl time.Duration) Offer {
		o := testOffer(id, addr, seq, clk.UnixPlus(ttl))
		o.PricePerGPUHour = price
		return o
	}

	changed := v.Changed()
	if !v.Put(offer(a, "1000", 1, time.Minute)) {
		t.Fatal("Put refused a fresh offer")
	}
	select {
	case <-changed:
	default:
		t.Fatal("Changed not closed after Put")
	}
	if v.Put(offer(b, "5", 1, 0)) {
		t.Fatal("Put stored an expired offer")
	}
	v.Put(offer(b, "900", 1, 30*time.Second))
	v.Put(offer(c, "1000", 4, 2*time.Minute))

	// Price is numeric ("900" < "1000"), ties go by peer ID.
	want := []peer.ID{b, min(a, c), max(a, c)}
	if got := ids(v.List()); !equalIDs(got, want) {
		t.Fatalf("List order = %v, want %v", got, want)
	}

	// A later sequence replaces, an older one does not.
	if v.Put(offer(c, "1", 3, 2*time.Minute)) {
		t.Fatal("older sequence replaced a newer one")
	}
	if !v.Put(offer(c, "1", 5, 2*time.Minute)) {
		t.Fatal("newer sequence refused")
	}
	if o, _ := v.Get(c); o.Sequence != 5 {
		t.Fatalf("Get(c).Sequence = %d", o.Sequence)
	}

	// Copies: editing a returned offer does not touch the view.
	o, _ := v.Get(a)
	o.FreeGPUs[0].Count = 99
	if o2, _ := v.Get(a); o2.FreeGPUs[0].Count == 99 {
		t.Fatal("Get returned shared memory")
	}

	// Expiry: b lapses after 30 s, a after 1 min, c after 2 min.
	clk.Advance(31 * time.Second)
	if _, ok := v.Get(b); ok {
		t.Fatal("Get returned an expired offer")
	}
	if got := ids(v.List()); !equalIDs(got, []peer.ID{c, a}) {
		t.Fatalf("List after 31s = %v", got)
	}
	clk.Advance(30 * time.Second)
	if n := v.Prune(); n != 2 {
		t.Fatalf("Prune dropped %d, want 2", n)
	}
	if got := v.List(); len(got) != 1 || got[0].PeerID != c {
		t.Fatalf("List after prune = %v", ids(got))
	}
	v.Remove(c)
	if len(v.List()) != 0 {
		t.Fatal("Remove left the offer")
	}
}

func ids(os []Offer) []peer.ID {
	out := make([]peer.ID, len(os))
	for i, o := range os {
		out[i] = o.PeerID
	}
	return out
}

func equalIDs(a, b []peer.ID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
