package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/gpunet/gpunet/stake/types"
)

// msgServer is thin: decode the signer, then one keeper call. Baseapp has
// already run ValidateBasic; the keeper re-checks what it depends on.
type msgServer struct{ k Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServer returns the module's Msg service.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k: k} }

func (s msgServer) RegisterProvider(ctx context.Context, m *types.MsgRegisterProvider) (*types.MsgRegisterProviderResponse, error) {
	owner, err := s.k.decodeAddress("owner", m.Owner)
	if err != nil {
		return nil, err
	}
	info := ProviderInfo{PeerID: m.PeerId, Multiaddrs: m.Multiaddrs, GPUs: m.Gpus, Price: m.PricePerGpuHour,
		CPUs: m.Cpus, MemoryMiB: m.MemoryMib, DiskMiB: m.DiskMib}
	return &types.MsgRegisterProviderResponse{}, s.k.RegisterProvider(ctx, owner, info)
}

func (s msgServer) UpdateProvider(ctx context.Context, m *types.MsgUpdateProvider) (*types.MsgUpdateProviderResponse, error) {
	owner, err := s.k.decodeAddress("owner", m.Owner)
	if err != nil {
		return nil, err
	}
	info := ProviderInfo{PeerID: m.PeerId, Multiaddrs: m.Multiaddrs, GPUs: m.Gpus, Price: m.PricePerGpuHour,
		CPUs: m.Cpus, MemoryMiB: m.MemoryMib, DiskMiB: m.DiskMib}
	return &types.MsgUpdateProviderResponse{}, s.k.UpdateProvider(ctx, owner, info)
}

func (s msgServer) Stake(ctx context.Context, m *types.MsgStake) (*types.MsgStakeResponse, error) {
	staker, err := s.k.decodeAddress("staker", m.Staker)
	if err != nil {
		return nil, err
	}
	bonded, err := s.k.Stake(ctx, staker, m.Role, m.Amount)
	if err != nil {
		return nil, err
	}
	return &types.MsgStakeResponse{Bonded: bonded}, nil
}

func (s msgServer) Unstake(ctx context.Context, m *types.MsgUnstake) (*types.MsgUnstakeResponse, error) {
	staker, err := s.k.decodeAddress("staker", m.Staker)
	if err != nil {
		return nil, err
	}
	entry, err := s.k.Unstake(ctx, staker, m.Role, m.Amount)
	if err != nil {
		return nil, err
	}
	return &types.MsgUnstakeResponse{Entry: entry}, nil
}

func (s msgServer) CreateJob(ctx context.Context, m *types.MsgCreateJob) (*types.MsgCreateJobResponse, error) {
	client, err := s.k.decodeAddress("client", m.Client)
	if err != nil {
		return nil, err
	}
	id, err := s.k.CreateJob(ctx, client, m.Spec)
	if err != nil {
		return nil, err
	}
	return &types.MsgCreateJobResponse{JobId: id}, nil
}

func (s msgServer) CancelJob(ctx context.Context, m *types.MsgCancelJob) (*types.MsgCancelJobResponse, error) {
	client, err := s.k.decodeAddress("client", m.Client)
	if err != nil {
		return nil, err
	}
	refunded, err := s.k.CancelJob(ctx, client, m.JobId)
	if err != nil {
		return nil, err
	}
	return &types.MsgCancelJobResponse{Refunded: refunded}, nil
}

func (s msgServer) UpdateParams(ctx context.Context, m *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if m.Authority != s.k.authority {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "authority: %s may not change params; only %s may", m.Authority, s.k.authority)
	}
	if err := m.Params.Validate(); err != nil {
		return nil, err
	}
	if err := s.k.Params.Set(ctx, m.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, s.k.emit(ctx, &types.EventParamsUpdated{Params: m.Params})
}

func (s msgServer) AcceptLease(ctx context.Context, m *types.MsgAcceptLease) (*types.MsgAcceptLeaseResponse, error) {
	provider, err := s.k.decodeAddress("provider", m.Provider)
	if err != nil {
		return nil, err
	}
	return &types.MsgAcceptLeaseResponse{}, s.k.AcceptLease(ctx, provider, m.JobId)
}

func (s msgServer) ReportCheckpoints(ctx context.Context, m *types.MsgReportCheckpoints) (*types.MsgReportCheckpointsResponse, error) {
	provider, err := s.k.decodeAddress("provider", m.Provider)
	if err != nil {
		return nil, err
	}
	return &types.MsgReportCheckpointsResponse{}, s.k.ReportCheckpoints(ctx, provider, m.JobId, m.Checkpoints)
}

func (s msgServer) CompleteJob(ctx context.Context, m *types.MsgCompleteJob) (*types.MsgCompleteJobResponse, error) {
	provider, err := s.k.decodeAddress("provider", m.Provider)
	if err != nil {
		return nil, err
	}
	return &types.MsgCompleteJobResponse{}, s.k.CompleteJob(ctx, provider, m.JobId, m.Final)
}

func (s msgServer) FailJob(ctx context.Context, m *types.MsgFailJob) (*types.MsgFailJobResponse, error) {
	provider, err := s.k.decodeAddress("provider", m.Provider)
	if err != nil {
		return nil, err
	}
	return &types.MsgFailJobResponse{}, s.k.FailJob(ctx, provider, m.JobId, m.Reason)
}
