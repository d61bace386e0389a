package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	gogoproto "github.com/cosmos/gogoproto/proto"

	"cosmossdk.io/math"

	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// validSpec is testdata/valid.yaml in the canonical form MsgCreateJob takes,
// with its deposit in ugpu.
func validSpec(t *testing.T) (*jobspec.Spec, string, math.Int) {
	t.Helper()
	data, err := os.ReadFile("../jobspec/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := jobspec.ParseYAML(data)
	if err != nil {
		t.Fatalf("valid.yaml: %v", err)
	}
	canon, err := spec.Canonical()
	if err != nil {
		t.Fatalf("valid.yaml canonical: %v", err)
	}
	return spec, string(canon), spec.Deposit.Int()
}

// snapshot is the state a user can see, read at one committed height:
// Totals, supply, every demo account's and the module account's balances,
// StakeOf of every demo account, and the provider and job lists.
func (c *chain) snapshot() string {
	c.t.Helper()
	cdc := c.Client.Encoding().Codec
	_, h := c.totals(c.ctx)
	ctx := atHeight(c.ctx, h)
	var b strings.Builder
	line := func(label string, m gogoproto.Message, err error) {
		if err != nil {
			c.t.Fatalf("snapshot %s at height %d: %v", label, h, err)
		}
		bz, err := cdc.MarshalJSON(m)
		if err != nil {
			c.t.Fatalf("snapshot %s: %v", label, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", label, bz)
	}
	tot, err := c.Client.Query.Totals(ctx, &types.QueryTotalsRequest{})
	line("totals", tot, err)
	sup, err := c.Client.Bank.SupplyOf(ctx, &banktypes.QuerySupplyOfRequest{Denom: types.Denom})
	line("supply", sup, err)
	names := []string{"alice", "bob", "provider1", "provider2", "verifier1"}
	for _, name := range names {
		bal, err := c.Client.Bank.AllBalances(ctx, &banktypes.QueryAllBalancesRequest{Address: c.Addr(name)})
		line("balances "+name, bal, err)
		st, err := c.Client.Query.StakeOf(ctx, &types.QueryStakeOfRequest{Address: c.Addr(name)})
		line("stake_of "+name, st, err)
	}
	mod, err := c.Client.Bank.AllBalances(ctx, &banktypes.QueryAllBalancesRequest{Address: c.moduleAddr()})
	line("balances module", mod, err)
	provs, err := c.Client.Query.Providers(ctx, &types.QueryProvidersRequest{})
	line("providers", provs, err)
	jobs, err := c.Client.Query.Jobs(ctx, &types.QueryJobsRequest{})
	line("jobs", jobs, err)
	return b.String()
}

// diffLines shows the lines of want and got that differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "- %s\n+ %s\n", wl, gl)
		}
	}
	return b.String()
}

// sameEntry compares unbonding entries field by field (math.Int and
// time.Time need their own equality).
func sameEntry(a, b types.UnbondingEntry) bool {
	return a.Id == b.Id && a.Address == b.Address && a.Role == b.Role && a.Amount.Equal(b.Amount) &&
		a.CreationHeight == b.CreationHeight && a.CompletionTime.Equal(b.CompletionTime)
}
