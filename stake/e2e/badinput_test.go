package e2e

import (
	"strings"
	"testing"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/types"
)

// peerID1 is a well-formed libp2p peer ID.
const peerID1 = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"

func registerMsg(owner, peerID string) *types.MsgRegisterProvider {
	return &types.MsgRegisterProvider{
		Owner:      owner,
		PeerId:     peerID,
		Multiaddrs: []string{"/ip4/127.0.0.1/tcp/4001"},
		Gpus: []types.GPU{{
			Model: "NVIDIA H100 80GB HBM3", MemoryMib: 81559, ComputeCapability: "9.0", Count: 8,
		}},
		PricePerGpuHour: ugpu(2 * gpu),
	}
}

// TestBadInputLeavesStateUnchanged sends malformed and disallowed messages
// two ways: through client.Send (what the CLI does: local checks, then
// simulation) and raw, signed and broadcast without any local check, so the
// chain's CheckTx or the block itself refuses them. Each refusal must name
// the offending field, and the state a user can query (Totals, supply,
// balances, StakeOf, providers, jobs) must be identical before and after.
func TestBadInputLeavesStateUnchanged(t *testing.T) {
	c := newChain(t, testnet.DefaultOptions())
	p1, p2, alice := c.Addr("provider1"), c.Addr("provider2"), c.Addr("alice")

	c.send("provider1", registerMsg(p1, peerID1))
	c.send("provider1", &types.MsgStake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu)})
	c.requireInvariant("setup")

	_, spec, _ := validSpec(t)
	const digestRef = "ghcr.io/gpunet/examples/resnet@sha256:4a8c9f0d2e1b3c5a7f6e9d8c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a"
	if !strings.Contains(spec, `"image":"`+digestRef+`"`) {
		t.Fatalf("canonical valid spec has no image %s: %s", digestRef, spec)
	}
	tagSpec := strings.Replace(spec, digestRef, "ghcr.io/gpunet/examples/resnet:v1", 1)

	cases := []struct {
		name  string
		key   string
		msg   sdk.Msg
		field string
		code  uint32 // the module's registered error (types/errors.go)
	}{
		{"zero amount", "provider2",
			&types.MsgStake{Staker: p2, Role: types.ROLE_PROVIDER, Amount: sdk.Coin{Denom: types.Denom, Amount: math.ZeroInt()}}, "amount", types.ErrInvalidAmount.ABCICode()},
		{"wrong denom", "provider2",
			&types.MsgStake{Staker: p2, Role: types.ROLE_PROVIDER, Amount: sdk.NewInt64Coin("uatom", 5*gpu)}, "amount", types.ErrInvalidAmount.ABCICode()},
		{"unstake more than bonded", "provider1",
			&types.MsgUnstake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(5*gpu + 1)}, "amount", types.ErrInsufficientStake.ABCICode()},
		{"unknown role", "provider2",
			&types.MsgStake{Staker: p2, Role: types.Role(7), Amount: ugpu(5 * gpu)}, "role", types.ErrInvalidRole.ABCICode()},
		{"image tag instead of digest", "alice",
			&types.MsgCreateJob{Client: alice, Spec: tagSpec}, "image", types.ErrInvalidJobSpec.ABCICode()},
		{"register twice", "provider1", registerMsg(p1, peerID1), "owner", types.ErrProviderExists.ABCICode()},
		{"another owner's peer id", "provider2", registerMsg(p2, peerID1), "peer_id", types.ErrPeerIDTaken.ABCICode()},
	}
	before := c.snapshot()
	for _, tc := range cases {
		_, err := c.Client.Send(c.ctx, tc.key, tc.msg)
		txErr := requireTxError(t, tc.name+" (client)", err, tc.field)
		t.Logf("%s, client: %s", tc.name, txErr.Reason)

		txErr = requireTxError(t, tc.name+" (raw)", c.sendRaw(tc.key, tc.msg), tc.field)
		t.Logf("%s, raw (code %d): %s", tc.name, txErr.Code, txErr.Reason)
		if txErr.Codespace != types.ModuleName || txErr.Code != tc.code {
			t.Fatalf("%s (raw): refused with %s/%d, want %s/%d", tc.name, txErr.Codespace, txErr.Code, types.ModuleName, tc.code)
		}

		if after := c.snapshot(); after != before {
			t.Fatalf("%s changed state:\n%s", tc.name, diffLines(before, after))
		}
		c.requireInvariant(tc.name)
	}
}
