package keeper_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// snapshot is the whole observable state a failed call must leave alone:
// the module's exported genesis, every test account's balance, the module
// account's balance and the supply.
func (f *fixture) snapshot() string {
	f.t.Helper()
	bz, err := f.cdc.MarshalJSON(f.exportGenesis())
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	b.Write(bz)
	for _, a := range f.accounts {
		fmt.Fprintf(&b, "\n%s %s", a.name, f.balance(a.addr))
	}
	fmt.Fprintf(&b, "\nmodule %s\nsupply %s", f.moduleBalance(), f.supply())
	return b.String()
}

// requireErr checks that err matches want and that its text contains every
// fragment: the field it names and the fix it suggests.
func requireErr(t testing.TB, err, want error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q does not match %q", err, want)
	}
	for _, s := range fragments {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

// failCase is one table row for a call that must fail without effect.
type failCase struct {
	name string
	call func(ctx sdk.Context) error
	want error
	// contains are fragments the error text must hold: the field name
	// ("amount:") and the fix.
	contains []string
}

// runFailCases runs each row on f's current block and checks the error and
// that state is byte-identical before and after.
func (f *fixture) runFailCases(t *testing.T, cases []failCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			err := tc.call(f.fresh())
			requireErr(t, err, tc.want, tc.contains...)
			if after := f.snapshot(); after != before {
				t.Fatalf("failed call changed state:\nbefore: %s\nafter:  %s", before, after)
			}
			f.requireInvariant()
		})
	}
}

// typedEvents lists the proto names of the typed events in ctx, in order.
func typedEvents(ctx sdk.Context) []string {
	var out []string
	for _, ev := range ctx.EventManager().Events() {
		if proto.MessageType(ev.Type) != nil {
			out = append(out, ev.Type)
		}
	}
	return out
}

func requireEvents(t testing.TB, ctx sdk.Context, want ...string) {
	t.Helper()
	if got := typedEvents(ctx); !slices.Equal(got, want) {
		t.Fatalf("typed events = %v, want %v", got, want)
	}
}

// eventAttr returns the JSON value of attribute key of the first event of
// type typ, or fails.
func eventAttr(t testing.TB, events []sdk.Event, typ, key string) string {
	t.Helper()
	for _, ev := range events {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
		t.Fatalf("event %s has no attribute %q: %v", typ, key, ev.Attributes)
	}
	t.Fatalf("no event %s", typ)
	return ""
}

// requireSameEntry compares two unbonding entries by their encoding, which
// ignores a time's location but not its instant.
func (f *fixture) requireSameEntry(got, want types.UnbondingEntry) {
	f.t.Helper()
	g, w := f.cdc.MustMarshalJSON(&got), f.cdc.MustMarshalJSON(&want)
	if string(g) != string(w) {
		f.t.Fatalf("unbonding entry = %s, want %s", g, w)
	}
}

// mustOK fails the test on err and otherwise checks the invariant; it takes
// a msg server call's results directly: f.mustOK(f.msg.CancelJob(ctx, m)).
func (f *fixture) mustOK(_ any, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	f.requireInvariant()
}

// TestSnapshotSeesChanges keeps the failure tables honest: the snapshot they
// compare must change when module state or any balance does.
func TestSnapshotSeesChanges(t *testing.T) {
	f := newFixture(t)
	s0 := f.snapshot()
	f.mustOK(f.msg.RegisterProvider(f.ctx, registerMsg(f.acct["alice"].bech, peerID("A"))))
	s1 := f.snapshot()
	if s1 == s0 {
		t.Fatal("snapshot missed a new provider")
	}
	if err := f.app.BankKeeper.SendCoins(f.ctx, f.acct["bob"].addr, f.acct["poor"].addr, types.Coins(ugpu(1).Amount)); err != nil {
		t.Fatal(err)
	}
	if f.snapshot() == s1 {
		t.Fatal("snapshot missed a transfer between test accounts")
	}
}
