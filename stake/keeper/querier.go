package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/gpunet/gpunet/stake/types"
)

// Querier serves the Query service and maps keeper errors to gRPC codes.
type Querier struct{ k Keeper }

var _ types.QueryServer = Querier{}

// NewQuerier returns the module's Query service.
func NewQuerier(k Keeper) Querier { return Querier{k: k} }

// grpcError maps the module's errors to the gRPC code a client can act on.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, types.ErrProviderNotFound), errors.Is(err, types.ErrJobNotFound), errors.Is(err, collections.ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, types.ErrInvalidAddress), errors.Is(err, types.ErrInvalidRole):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

func (q Querier) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q Querier) Provider(ctx context.Context, req *types.QueryProviderRequest) (*types.QueryProviderResponse, error) {
	addr, err := q.k.decodeAddress("address", req.Address)
	if err != nil {
		return nil, grpcError(err)
	}
	p, err := q.k.Provider(ctx, addr)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryProviderResponse{Provider: p}, nil
}

func (q Querier) Providers(ctx context.Context, req *types.QueryProvidersRequest) (*types.QueryProvidersResponse, error) {
	ps, page, err := query.CollectionPaginate(ctx, q.k.Providers, req.Pagination,
		func(_ sdk.AccAddress, p types.Provider) (types.Provider, error) { return p, nil })
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryProvidersResponse{Providers: ps, Pagination: page}, nil
}

func (q Querier) StakeOf(ctx context.Context, req *types.QueryStakeOfRequest) (*types.QueryStakeOfResponse, error) {
	addr, err := q.k.decodeAddress("address", req.Address)
	if err != nil {
		return nil, grpcError(err)
	}
	resp := &types.QueryStakeOfResponse{}
	for _, role := range types.Roles {
		v, err := q.k.Bonded(ctx, addr, role)
		if err != nil {
			return nil, grpcError(err)
		}
		if v.IsPositive() {
			resp.Stakes = append(resp.Stakes, types.Stake{Address: req.Address, Role: role, Amount: v})
		}
	}
	if resp.Unbonding, err = q.k.UnbondingOf(ctx, addr); err != nil {
		return nil, grpcError(err)
	}
	return resp, nil
}

func (q Querier) Job(ctx context.Context, req *types.QueryJobRequest) (*types.QueryJobResponse, error) {
	j, err := q.k.Job(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryJobResponse{Job: j}, nil
}

// Jobs lists all jobs, or walks one index: by client, or by status. Both
// filters at once walk the client's index and skip other statuses.
func (q Querier) Jobs(ctx context.Context, req *types.QueryJobsRequest) (*types.QueryJobsResponse, error) {
	toJob := func(id uint64) (types.Job, error) { return q.k.Jobs.Get(ctx, id) }
	var (
		jobs []types.Job
		page *query.PageResponse
		err  error
	)
	switch {
	case req.Provider != "":
		addr, derr := q.k.decodeAddress("provider", req.Provider)
		if derr != nil {
			return nil, grpcError(derr)
		}
		jobs, page, err = query.CollectionPaginate(ctx, q.k.JobsByProvider, req.Pagination,
			func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Job, error) {
				return toJob(key.K2())
			},
			query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](addr))
	case req.Client != "":
		addr, derr := q.k.decodeAddress("client", req.Client)
		if derr != nil {
			return nil, grpcError(derr)
		}
		jobs, page, err = query.CollectionFilteredPaginate(ctx, q.k.JobsByClient, req.Pagination,
			func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (bool, error) {
				if req.Status == types.JOB_STATUS_UNSPECIFIED {
					return true, nil
				}
				j, err := toJob(key.K2())
				return err == nil && j.Status == req.Status, err
			},
			func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Job, error) {
				return toJob(key.K2())
			},
			query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](addr))
	case req.Status != types.JOB_STATUS_UNSPECIFIED:
		jobs, page, err = query.CollectionPaginate(ctx, q.k.JobsByStatus, req.Pagination,
			func(key collections.Pair[int32, uint64], _ collections.NoValue) (types.Job, error) {
				return toJob(key.K2())
			},
			query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.Status)))
	default:
		jobs, page, err = query.CollectionPaginate(ctx, q.k.Jobs, req.Pagination,
			func(_ uint64, j types.Job) (types.Job, error) { return j, nil })
	}
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryJobsResponse{Jobs: jobs, Pagination: page}, nil
}

func (q Querier) Totals(ctx context.Context, _ *types.QueryTotalsRequest) (*types.QueryTotalsResponse, error) {
	t, err := q.k.ComputeTotals(ctx)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryTotalsResponse{
		Denom: types.Denom, Bonded: t.Bonded, Unbonding: t.Unbonding, Escrow: t.Escrow,
		ModuleBalance: q.k.ModuleBalance(ctx),
	}, nil
}
