package keeper_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/gpunet/gpunet/stake/types"
)

func TestQueryErrorCodes(t *testing.T) {
	f := newFixture(t)
	f.mustCreateJob("alice")
	q := f.q
	cases := []struct {
		name     string
		call     func(ctx context.Context) error
		code     codes.Code
		contains string
	}{
		{"provider not found", func(ctx context.Context) error {
			_, err := q.Provider(ctx, &types.QueryProviderRequest{Address: f.acct["carol"].bech})
			return err
		}, codes.NotFound, "address: " + f.acct["carol"].bech + " is not a registered provider"},
		{"provider bad address", func(ctx context.Context) error {
			_, err := q.Provider(ctx, &types.QueryProviderRequest{Address: "gpunet1bad"})
			return err
		}, codes.InvalidArgument, "address:"},
		{"provider empty address", func(ctx context.Context) error {
			_, err := q.Provider(ctx, &types.QueryProviderRequest{})
			return err
		}, codes.InvalidArgument, "address: missing address"},
		{"job not found", func(ctx context.Context) error {
			_, err := q.Job(ctx, &types.QueryJobRequest{Id: 99})
			return err
		}, codes.NotFound, "job_id: no job 99"},
		{"job zero", func(ctx context.Context) error {
			_, err := q.Job(ctx, &types.QueryJobRequest{Id: 0})
			return err
		}, codes.NotFound, "job_id: no job 0"},
		{"jobs bad client", func(ctx context.Context) error {
			_, err := q.Jobs(ctx, &types.QueryJobsRequest{Client: cosmosAddress(t, f.acct["alice"].addr)})
			return err
		}, codes.InvalidArgument, "client:"},
		{"stake of bad address", func(ctx context.Context) error {
			_, err := q.StakeOf(ctx, &types.QueryStakeOfRequest{Address: "nonsense"})
			return err
		}, codes.InvalidArgument, "address:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(f.ctx)
			if got := status.Code(err); got != tc.code {
				t.Fatalf("code = %s (%v), want %s", got, err, tc.code)
			}
			if !strings.Contains(status.Convert(err).Message(), tc.contains) {
				t.Fatalf("message %q does not contain %q", status.Convert(err).Message(), tc.contains)
			}
		})
	}
}

func TestQueryStakeOfAndProviders(t *testing.T) {
	f := newFixture(t)
	alice := f.acct["alice"]
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	f.mustStake("alice", types.ROLE_VERIFIER, 2*gpu)
	e := f.mustUnstake("alice", types.ROLE_VERIFIER, gpu)
	for _, who := range []string{"alice", "bob", "carol"} {
		f.mustOK(f.msg.RegisterProvider(f.ctx, registerMsg(f.acct[who].bech, peerID(strings.ToUpper(who[:1])))))
	}

	res, err := f.q.StakeOf(f.ctx, &types.QueryStakeOfRequest{Address: alice.bech})
	if err != nil {
		t.Fatal(err)
	}
	want := &types.QueryStakeOfResponse{
		Stakes: []types.Stake{
			{Address: alice.bech, Role: types.ROLE_PROVIDER, Amount: math.NewInt(5 * gpu)},
			{Address: alice.bech, Role: types.ROLE_VERIFIER, Amount: math.NewInt(gpu)},
		},
		Unbonding: []types.UnbondingEntry{e},
	}
	if got, w := f.cdc.MustMarshalJSON(res), f.cdc.MustMarshalJSON(want); string(got) != string(w) {
		t.Fatalf("StakeOf = %s\nwant      %s", got, w)
	}
	empty, err := f.q.StakeOf(f.ctx, &types.QueryStakeOfRequest{Address: f.acct["poor"].bech})
	if err != nil || len(empty.Stakes) != 0 || len(empty.Unbonding) != 0 {
		t.Fatalf("StakeOf(poor) = %v, %v; want empty", empty, err)
	}

	page1, err := f.q.Providers(f.ctx, &types.QueryProvidersRequest{Pagination: &query.PageRequest{Limit: 2, CountTotal: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1.Providers) != 2 || page1.Pagination.Total != 3 || page1.Pagination.NextKey == nil {
		t.Fatalf("page 1: %d providers, total %d, next %x", len(page1.Providers), page1.Pagination.Total, page1.Pagination.NextKey)
	}
	page2, err := f.q.Providers(f.ctx, &types.QueryProvidersRequest{Pagination: &query.PageRequest{Key: page1.Pagination.NextKey, Limit: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page2.Providers) != 1 || page2.Pagination.NextKey != nil {
		t.Fatalf("page 2: %d providers, next %x", len(page2.Providers), page2.Pagination.NextKey)
	}
}

func TestQueryTotals(t *testing.T) {
	f := newFixture(t)
	check := func(bonded, unbonding, escrow int64) {
		t.Helper()
		res, err := f.q.Totals(f.ctx, &types.QueryTotalsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		sum := math.NewInt(bonded + unbonding + escrow)
		if res.Denom != types.Denom || !res.Bonded.Equal(math.NewInt(bonded)) || !res.Unbonding.Equal(math.NewInt(unbonding)) ||
			!res.Escrow.Equal(math.NewInt(escrow)) || !res.ModuleBalance.Equal(sum) {
			t.Fatalf("totals = %s bonded %s unbonding %s escrow %s module %s; want %d %d %d module %s",
				res.Denom, res.Bonded, res.Unbonding, res.Escrow, res.ModuleBalance, bonded, unbonding, escrow, sum)
		}
		if !f.moduleBalance().Equal(sum) {
			t.Fatalf("bank says module holds %s, want %s", f.moduleBalance(), sum)
		}
	}
	check(0, 0, 0)
	f.mustStake("alice", types.ROLE_PROVIDER, 5*gpu)
	f.mustStake("bob", types.ROLE_VERIFIER, 3*gpu)
	check(8*gpu, 0, 0)
	f.mustUnstake("bob", types.ROLE_VERIFIER, 3*gpu)
	check(5*gpu, 3*gpu, 0)
	id := f.mustCreateJob("carol")
	check(5*gpu, 3*gpu, validDeposit)
	f.mustOK(f.msg.CancelJob(f.ctx, &types.MsgCancelJob{Client: f.acct["carol"].bech, JobId: id}))
	check(5*gpu, 3*gpu, 0)
}
