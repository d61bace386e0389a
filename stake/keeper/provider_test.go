package keeper_test

import (
	"strings"
	"testing"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

const (
	evProviderRegistered = "gpunet.stake.v1.EventProviderRegistered"
	evProviderUpdated    = "gpunet.stake.v1.EventProviderUpdated"
)

// peerID is a well-formed libp2p-style peer ID (base58, 52 characters).
func peerID(c string) string { return "12D3KooW" + strings.Repeat(c, 44) }

func h100s(n uint32) []types.GPU {
	return []types.GPU{{Model: "NVIDIA H100 80GB HBM3", MemoryMib: 81559, ComputeCapability: "9.0", Count: n}}
}

func registerMsg(owner, peer string) *types.MsgRegisterProvider {
	return &types.MsgRegisterProvider{
		Owner: owner, PeerId: peer, Multiaddrs: []string{"/ip4/10.0.0.1/tcp/4001"},
		Gpus:            append(h100s(4), types.GPU{Model: "NVIDIA A100-SXM4-80GB", MemoryMib: 81920, ComputeCapability: "8.0", Count: 2}),
		PricePerGpuHour: ugpu(2 * gpu),
	}
}

func updateMsg(owner, peer string) *types.MsgUpdateProvider {
	return &types.MsgUpdateProvider{
		Owner: owner, PeerId: peer, Multiaddrs: []string{"/dns4/gpu.example.org/tcp/4001", "/ip4/10.0.0.2/udp/4001/quic-v1"},
		Gpus: h100s(8), PricePerGpuHour: ugpu(3 * gpu),
	}
}

func (f *fixture) provider(who string) types.Provider {
	f.t.Helper()
	res, err := f.q.Provider(f.ctx, &types.QueryProviderRequest{Address: f.acct[who].bech})
	if err != nil {
		f.t.Fatalf("query provider %s: %v", who, err)
	}
	return res.Provider
}

func (f *fixture) peerHolder(peer string) (sdk.AccAddress, bool) {
	f.t.Helper()
	bz, err := f.k.ProvidersByPeerID.Get(f.ctx, peer)
	if err != nil {
		return nil, false
	}
	return bz, true
}

func TestRegisterAndUpdateProvider(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.acct["alice"], f.acct["bob"]

	ctx := f.fresh()
	f.mustOK(f.msg.RegisterProvider(ctx, registerMsg(alice.bech, peerID("A"))))
	requireEvents(t, ctx, evProviderRegistered)
	regHeight := f.ctx.BlockHeight()
	p := f.provider("alice")
	want := types.Provider{
		Address: alice.bech, PeerId: peerID("A"), Multiaddrs: registerMsg("", "").Multiaddrs, Gpus: registerMsg("", "").Gpus,
		PricePerGpuHour: math.NewInt(2 * gpu), FreeGpus: 6, Status: types.PROVIDER_STATUS_ACTIVE, RegisteredHeight: regHeight,
	}
	f.requireSameProvider(p, want)
	if holder, ok := f.peerHolder(peerID("A")); !ok || !holder.Equals(alice.addr) {
		t.Fatalf("peer id A held by %v (%v), want alice", holder, ok)
	}

	// Update in a later block, changing the peer ID: the old one is freed,
	// status and registration height are kept.
	f.nextBlock(blockTime)
	ctx = f.fresh()
	f.mustOK(f.msg.UpdateProvider(ctx, updateMsg(alice.bech, peerID("B"))))
	requireEvents(t, ctx, evProviderUpdated)
	want.PeerId, want.Multiaddrs, want.Gpus = peerID("B"), updateMsg("", "").Multiaddrs, h100s(8)
	want.PricePerGpuHour, want.FreeGpus = math.NewInt(3*gpu), 8
	f.requireSameProvider(f.provider("alice"), want)
	if _, ok := f.peerHolder(peerID("A")); ok {
		t.Fatal("old peer id A still indexed after alice moved to B")
	}
	if holder, ok := f.peerHolder(peerID("B")); !ok || !holder.Equals(alice.addr) {
		t.Fatalf("peer id B held by %v (%v), want alice", holder, ok)
	}

	// The freed peer ID can be registered by someone else.
	f.mustOK(f.msg.RegisterProvider(f.ctx, registerMsg(bob.bech, peerID("A"))))

	// Updating without changing the peer ID keeps it.
	m := updateMsg(alice.bech, peerID("B"))
	m.PricePerGpuHour = ugpu(gpu)
	f.mustOK(f.msg.UpdateProvider(f.ctx, m))
	if p := f.provider("alice"); p.PeerId != peerID("B") || !p.PricePerGpuHour.Equal(math.NewInt(gpu)) {
		t.Fatalf("after same-peer update: peer %s price %s", p.PeerId, p.PricePerGpuHour)
	}
	if holder, ok := f.peerHolder(peerID("B")); !ok || !holder.Equals(alice.addr) {
		t.Fatal("same-peer update dropped alice's peer id from the index")
	}
	if n := len(f.exportGenesis().Providers); n != 2 {
		t.Fatalf("%d providers, want 2", n)
	}
}

func (f *fixture) requireSameProvider(got, want types.Provider) {
	f.t.Helper()
	g, w := f.cdc.MustMarshalJSON(&got), f.cdc.MustMarshalJSON(&want)
	if string(g) != string(w) {
		f.t.Fatalf("provider = %s\nwant       %s", g, w)
	}
}

// providerFields is what Register and Update both carry.
type providerFields struct {
	peer  string
	addrs []string
	gpus  []types.GPU
	price sdk.Coin
}

func validFields(peer string) providerFields {
	return providerFields{peer: peer, addrs: []string{"/ip4/10.0.0.3/tcp/4001"}, gpus: h100s(2), price: ugpu(gpu)}
}

// badFields are provider fields both Register and Update refuse, each with
// the field its error must name and the fix it must give.
var badFields = []struct {
	name     string
	edit     func(*providerFields)
	want     error // ErrInvalidProvider unless set
	contains []string
}{
	{"empty peer id", func(p *providerFields) { p.peer = "" }, nil,
		[]string{"peer_id:", "missing", "pass the node's libp2p peer ID"}},
	{"peer id not base58", func(p *providerFields) { p.peer = "12D3KooW" + strings.Repeat("0", 44) }, nil,
		[]string{"peer_id:", "is not a libp2p peer ID", "like 12D3KooW"}},
	{"multiaddr without leading slash", func(p *providerFields) { p.addrs = []string{"10.0.0.1:4001"} }, nil,
		[]string{"multiaddrs[0]:", `"10.0.0.1:4001" is not a multiaddr`, "like /ip4/1.2.3.4/tcp/4001"}},
	{"empty second multiaddr", func(p *providerFields) { p.addrs = append(p.addrs, "") }, nil,
		[]string{"multiaddrs[1]:", "is not a multiaddr", "like /ip4/"}},
	{"gpu with zero count", func(p *providerFields) { p.gpus[0].Count = 0 }, nil,
		[]string{"gpus[0].count:", "must be 1 to 64 (got 0)"}},
	{"gpu with too many", func(p *providerFields) { p.gpus[0].Count = 65 }, nil,
		[]string{"gpus[0].count:", "must be 1 to 64 (got 65)"}},
	{"bad compute capability", func(p *providerFields) { p.gpus[0].ComputeCapability = "sm_90" }, nil,
		[]string{"gpus[0].compute_capability:", `"sm_90" is not major.minor`, "like 9.0"}},
	{"gpu without model", func(p *providerFields) { p.gpus[0].Model = "" }, nil,
		[]string{"gpus[0].model:", "must be 1 to 64 characters"}},
	{"gpu with zero memory", func(p *providerFields) { p.gpus[0].MemoryMib = 0 }, nil,
		[]string{"gpus[0].memory_mib:", "must be positive"}},
	{"zero price", func(p *providerFields) { p.price = ugpu(0) }, types.ErrInvalidAmount,
		[]string{"price_per_gpu_hour:", "must be positive", "pass e.g. 5000000ugpu"}},
	{"price in another denom", func(p *providerFields) { p.price = sdk.Coin{Denom: "uatom", Amount: math.NewInt(1)} }, types.ErrInvalidAmount,
		[]string{"price_per_gpu_hour:", "wrong denom", "only ugpu is accepted"}},
}

func TestProviderFailures(t *testing.T) {
	f := newFixture(t)
	alice, bob, carol := f.acct["alice"], f.acct["bob"], f.acct["carol"]
	for _, m := range []*types.MsgRegisterProvider{registerMsg(alice.bech, peerID("A")), registerMsg(bob.bech, peerID("B"))} {
		f.mustOK(f.msg.RegisterProvider(f.ctx, m))
	}
	register := func(owner string, p providerFields) func(sdk.Context) error {
		return func(ctx sdk.Context) error {
			_, err := f.msg.RegisterProvider(ctx, &types.MsgRegisterProvider{Owner: owner, PeerId: p.peer, Multiaddrs: p.addrs, Gpus: p.gpus, PricePerGpuHour: p.price})
			return err
		}
	}
	update := func(owner string, p providerFields) func(sdk.Context) error {
		return func(ctx sdk.Context) error {
			_, err := f.msg.UpdateProvider(ctx, &types.MsgUpdateProvider{Owner: owner, PeerId: p.peer, Multiaddrs: p.addrs, Gpus: p.gpus, PricePerGpuHour: p.price})
			return err
		}
	}
	cases := []failCase{
		{"register the same owner twice", register(alice.bech, validFields(peerID("C"))),
			types.ErrProviderExists, []string{"owner:", "is already a provider", "gpunet provider update"}},
		{"register with a peer id another owner holds", register(carol.bech, validFields(peerID("A"))),
			types.ErrPeerIDTaken, []string{"peer_id:", "already registered by " + alice.bech, "own identity key"}},
		{"update to a peer id another owner holds", update(alice.bech, validFields(peerID("B"))),
			types.ErrPeerIDTaken, []string{"peer_id:", "already registered by " + bob.bech, "own identity key"}},
		{"update a non-provider", update(carol.bech, validFields(peerID("C"))),
			types.ErrProviderNotFound, []string{"owner:", carol.bech + " is not a provider", "register it first"}},
		{"register with a bad owner address", register("gpunet1bad", validFields(peerID("C"))),
			types.ErrInvalidAddress, []string{"owner:", "is not a gpunet address", "gpunet keys show NAME -a"}},
		{"update with a bad owner address", update(cosmosAddress(t, alice.addr), validFields(peerID("A"))),
			types.ErrInvalidAddress, []string{"owner:", "is not a gpunet address", "gpunet keys show NAME -a"}},
	}
	for _, bf := range badFields {
		for _, op := range []struct {
			name  string
			owner string
			call  func(string, providerFields) func(sdk.Context) error
		}{{"register", carol.bech, register}, {"update", alice.bech, update}} {
			p := validFields(peerID("C"))
			bf.edit(&p)
			want := bf.want
			if want == nil {
				want = types.ErrInvalidProvider
			}
			cases = append(cases, failCase{op.name + " " + bf.name, op.call(op.owner, p), want, bf.contains})
		}
	}
	f.runFailCases(t, cases)
}
