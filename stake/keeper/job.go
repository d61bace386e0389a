package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// CreateJob stores a validated spec and locks its deposit in escrow.
func (k Keeper) CreateJob(ctx context.Context, client sdk.AccAddress, spec string) (uint64, error) {
	s, err := types.ParseJobSpec(spec)
	if err != nil {
		return 0, err
	}
	deposit := s.Deposit.Int()
	if err := k.lockFunds(ctx, client, deposit, "spec.deposit"); err != nil {
		return 0, err
	}
	id, err := k.NextJobID.Next(ctx)
	if err != nil {
		return 0, fmt.Errorf("next job id: %w", err)
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	job := types.Job{
		Id:            id,
		Client:        k.encodeAddress(client),
		Spec:          spec,
		Escrow:        deposit,
		Status:        types.JOB_STATUS_PENDING,
		CreatedHeight: height,
		UpdatedHeight: height,
	}
	if err := k.putJob(ctx, client, job); err != nil {
		return 0, err
	}
	return id, k.emit(ctx, &types.EventJobCreated{JobId: id, Client: job.Client, Escrow: deposit})
}

// putJob stores a new job and its indexes.
func (k Keeper) putJob(ctx context.Context, client sdk.AccAddress, job types.Job) error {
	if err := k.Jobs.Set(ctx, job.Id, job); err != nil {
		return fmt.Errorf("store job %d: %w", job.Id, err)
	}
	if err := k.JobsByClient.Set(ctx, collections.Join(client, job.Id)); err != nil {
		return fmt.Errorf("index job %d: %w", job.Id, err)
	}
	if err := k.JobsByStatus.Set(ctx, collections.Join(int32(job.Status), job.Id)); err != nil {
		return fmt.Errorf("index job %d: %w", job.Id, err)
	}
	return nil
}

// setJobStatus moves a job to a new status, keeping the status index in step.
func (k Keeper) setJobStatus(ctx context.Context, job *types.Job, status types.JobStatus) error {
	if err := k.JobsByStatus.Remove(ctx, collections.Join(int32(job.Status), job.Id)); err != nil {
		return fmt.Errorf("unindex job %d: %w", job.Id, err)
	}
	job.Status = status
	job.UpdatedHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.JobsByStatus.Set(ctx, collections.Join(int32(status), job.Id)); err != nil {
		return fmt.Errorf("index job %d: %w", job.Id, err)
	}
	if err := k.Jobs.Set(ctx, job.Id, *job); err != nil {
		return fmt.Errorf("store job %d: %w", job.Id, err)
	}
	return nil
}

// Job returns one job, or ErrJobNotFound.
func (k Keeper) Job(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return j, errorsmod.Wrapf(types.ErrJobNotFound, "job_id: no job %d; see `gpunet job list`", id)
	}
	return j, err
}

// CancelJob cancels a PENDING job of client's and refunds its whole escrow.
func (k Keeper) CancelJob(ctx context.Context, client sdk.AccAddress, id uint64) (math.Int, error) {
	job, err := k.Job(ctx, id)
	if err != nil {
		return math.Int{}, err
	}
	if job.Client != k.encodeAddress(client) {
		return math.Int{}, errorsmod.Wrapf(types.ErrNotJobClient, "client: job %d belongs to %s; only its client may cancel it", id, job.Client)
	}
	if job.Status != types.JOB_STATUS_PENDING {
		return math.Int{}, errorsmod.Wrapf(types.ErrJobNotCancellable, "job_id: job %d is %s; only a pending job can be cancelled", id, job.Status.ShortName())
	}
	refund := job.Escrow
	if refund.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, client, types.Coins(refund)); err != nil {
			return math.Int{}, fmt.Errorf("refund job %d: %w", id, err)
		}
	}
	job.Escrow = math.ZeroInt()
	if err := k.setJobStatus(ctx, &job, types.JOB_STATUS_CANCELLED); err != nil {
		return math.Int{}, err
	}
	return refund, k.emit(ctx, &types.EventJobCancelled{JobId: id, Client: job.Client, Refunded: refund})
}
