package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/types"
)

// gpu is one GPU in the base denom.
const gpu = 1_000_000

// demoBalance is what every demo account starts with (chain.DemoBalance).
const demoBalance = 1000 * gpu

// livenessTimeout bounds the wait for the next block. Blocks come every
// 200 ms; a chain that halted (the in-block invariant check panics) never
// produces one.
const livenessTimeout = 15 * time.Second

// chain is a running testnet and the probes every e2e test uses. All reads go
// over the wire: gRPC for app state, CometBFT's RPC for blocks and their
// events.
type chain struct {
	*testnet.Network
	t   *testing.T
	ctx context.Context
	rpc *rpchttp.HTTP
}

func newChain(t *testing.T, opts testnet.Options) *chain {
	t.Helper()
	n := testnet.New(t, opts)
	httpClient := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	rpc, err := rpchttp.NewWithClient("tcp://"+n.Node.RPCAddr, "/websocket", httpClient)
	if err != nil {
		t.Fatalf("CometBFT RPC client: %v", err)
	}
	t.Cleanup(httpClient.CloseIdleConnections)
	return &chain{Network: n, t: t, ctx: n.Ctx(), rpc: rpc}
}

// longUnbonding is DefaultOptions with an unbonding period long enough that
// no entry matures while a test looks at it.
func longUnbonding() testnet.Options {
	o := testnet.DefaultOptions()
	o.Params.UnbondingPeriod = 5 * time.Minute
	o.Params.ChallengeWindow = time.Minute
	return o
}

func ugpu(n int64) sdk.Coin { return sdk.NewInt64Coin(types.Denom, n) }

// atHeight pins a gRPC query to a committed height.
func atHeight(ctx context.Context, h int64) context.Context {
	return metadata.AppendToOutgoingContext(ctx, grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(h, 10))
}

// headerHeight reads the height a gRPC answer was computed at.
func headerHeight(t *testing.T, md metadata.MD) int64 {
	t.Helper()
	v := md.Get(grpctypes.GRPCBlockHeightHeader)
	if len(v) != 1 {
		t.Fatalf("gRPC answer carries no %s header (got %v)", grpctypes.GRPCBlockHeightHeader, md)
	}
	h, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil {
		t.Fatalf("gRPC answer height %q: %v", v[0], err)
	}
	return h
}

// totals queries Totals and returns it with the height it was computed at:
// the app's last committed height.
func (c *chain) totals(ctx context.Context) (*types.QueryTotalsResponse, int64) {
	c.t.Helper()
	var md metadata.MD
	res, err := c.Client.Query.Totals(ctx, &types.QueryTotalsRequest{}, grpc.Header(&md))
	if err != nil {
		c.t.Fatalf("query totals: %v", err)
	}
	return res, headerHeight(c.t, md)
}

// height is the app's last committed height, as its gRPC server reports it.
func (c *chain) height() int64 {
	c.t.Helper()
	_, h := c.totals(c.ctx)
	return h
}

// waitHeight waits until the app has committed height h.
func (c *chain) waitHeight(h int64) {
	c.t.Helper()
	deadline := time.Now().Add(livenessTimeout)
	for {
		got := c.height()
		if got >= h {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("chain stuck at height %d, waiting for %d: it stopped producing blocks (did the in-block invariant check halt it?)", got, h)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *chain) moduleAddr() string {
	c.t.Helper()
	s, err := c.Client.Encoding().AddressCodec.BytesToString(authtypes.NewModuleAddress(types.ModuleName))
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// requireInvariant checks, at one committed height, that the module account
// holds exactly bonded + unbonding + escrow (Totals over gRPC, and the bank's
// own view of the module account), then waits for the next block: a chain
// whose in-block invariant check failed halts and never produces it.
func (c *chain) requireInvariant(step string) *types.QueryTotalsResponse {
	c.t.Helper()
	tot, h := c.totals(c.ctx)
	if sum := tot.Bonded.Add(tot.Unbonding).Add(tot.Escrow); !tot.ModuleBalance.Equal(sum) {
		c.t.Fatalf("%s: invariant broken at height %d: module_balance %s != bonded %s + unbonding %s + escrow %s = %s",
			step, h, tot.ModuleBalance, tot.Bonded, tot.Unbonding, tot.Escrow, sum)
	}
	bank, err := c.Client.Bank.Balance(atHeight(c.ctx, h), &banktypes.QueryBalanceRequest{Address: c.moduleAddr(), Denom: types.Denom})
	if err != nil {
		c.t.Fatalf("%s: query module account balance at height %d: %v", step, h, err)
	}
	if !bank.Balance.Amount.Equal(tot.ModuleBalance) {
		c.t.Fatalf("%s: at height %d Totals.module_balance is %s but the bank says the module account holds %s",
			step, h, tot.ModuleBalance, bank.Balance.Amount)
	}
	c.waitHeight(h + 1)
	return tot
}

// balance is name's bank balance in ugpu.
func (c *chain) balance(name string) math.Int {
	c.t.Helper()
	b, err := c.Client.Balance(c.ctx, c.Addr(name))
	if err != nil {
		c.t.Fatalf("balance of %s: %v", name, err)
	}
	return b.Amount
}

func (c *chain) stakeOf(name string) *types.QueryStakeOfResponse {
	c.t.Helper()
	res, err := c.Client.Query.StakeOf(c.ctx, &types.QueryStakeOfRequest{Address: c.Addr(name)})
	if err != nil {
		c.t.Fatalf("stake of %s: %v", name, err)
	}
	return res
}

// bonded is what name has bonded for role (zero when StakeOf lists none).
func (c *chain) bonded(name string, role types.Role) math.Int {
	c.t.Helper()
	for _, s := range c.stakeOf(name).Stakes {
		if s.Role == role {
			return s.Amount
		}
	}
	return math.ZeroInt()
}

func (c *chain) supply() math.Int {
	c.t.Helper()
	res, err := c.Client.Bank.SupplyOf(c.ctx, &banktypes.QuerySupplyOfRequest{Denom: types.Denom})
	if err != nil {
		c.t.Fatalf("supply of %s: %v", types.Denom, err)
	}
	return res.Amount.Amount
}

// accAddr is a demo account's address as bytes.
func (c *chain) accAddr(name string) sdk.AccAddress {
	c.t.Helper()
	bz, err := c.Client.Encoding().AddressCodec.StringToBytes(c.Addr(name))
	if err != nil {
		c.t.Fatal(err)
	}
	return bz
}
