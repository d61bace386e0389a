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
		CreatedHeight: height,
		Seed:          id,
		Paid:          math.ZeroInt(),
		Owed:          math.ZeroInt(),
	}
	transition(ctx, &job, types.JOB_STATUS_PENDING, "submitted")
	if err := k.putJob(ctx, client, job); err != nil {
		return 0, err
	}
	return id, k.emit(ctx, &types.EventJobCreated{JobId: id, Client: job.Client, Escrow: deposit})
}

// putJob stores a new job (or one from genesis) and its indexes.
func (k Keeper) putJob(ctx context.Context, client sdk.AccAddress, job types.Job) error {
	if err := k.JobsByClient.Set(ctx, collections.Join(client, job.Id)); err != nil {
		return fmt.Errorf("index job %d: %w", job.Id, err)
	}
	return k.saveJob(ctx, nil, job)
}

// saveJob stores next and moves its indexes from where prev had them: the
// status index, the provider's lease index, and the two deadline indexes.
// prev is nil for a job not stored before.
func (k Keeper) saveJob(ctx context.Context, prev *types.Job, next types.Job) error {
	if prev != nil {
		if err := k.unindexJob(ctx, *prev); err != nil {
			return err
		}
	}
	if err := k.Jobs.Set(ctx, next.Id, next); err != nil {
		return fmt.Errorf("store job %d: %w", next.Id, err)
	}
	if err := k.JobsByStatus.Set(ctx, collections.Join(int32(next.Status), next.Id)); err != nil {
		return fmt.Errorf("index job %d: %w", next.Id, err)
	}
	if p, ok := leaseHolder(next); ok {
		addr, err := k.addressCodec.StringToBytes(p)
		if err != nil {
			return fmt.Errorf("index job %d: lease provider %q: %w", next.Id, p, err)
		}
		if err := k.JobsByProvider.Set(ctx, collections.Join(sdk.AccAddress(addr), next.Id)); err != nil {
			return fmt.Errorf("index job %d: %w", next.Id, err)
		}
	}
	if h, ok := heightDue(next); ok {
		if err := k.JobsByHeightDue.Set(ctx, collections.Join(h, next.Id)); err != nil {
			return fmt.Errorf("index job %d: %w", next.Id, err)
		}
	}
	if t, ok := timeDue(next); ok {
		if err := k.JobsByTimeDue.Set(ctx, collections.Join(t, next.Id)); err != nil {
			return fmt.Errorf("index job %d: %w", next.Id, err)
		}
	}
	return nil
}

func (k Keeper) unindexJob(ctx context.Context, j types.Job) error {
	if err := k.JobsByStatus.Remove(ctx, collections.Join(int32(j.Status), j.Id)); err != nil {
		return fmt.Errorf("unindex job %d: %w", j.Id, err)
	}
	if p, ok := leaseHolder(j); ok {
		if addr, err := k.addressCodec.StringToBytes(p); err == nil {
			if err := k.JobsByProvider.Remove(ctx, collections.Join(sdk.AccAddress(addr), j.Id)); err != nil {
				return fmt.Errorf("unindex job %d: %w", j.Id, err)
			}
		}
	}
	if h, ok := heightDue(j); ok {
		if err := k.JobsByHeightDue.Remove(ctx, collections.Join(h, j.Id)); err != nil {
			return fmt.Errorf("unindex job %d: %w", j.Id, err)
		}
	}
	if t, ok := timeDue(j); ok {
		if err := k.JobsByTimeDue.Remove(ctx, collections.Join(t, j.Id)); err != nil {
			return fmt.Errorf("unindex job %d: %w", j.Id, err)
		}
	}
	return nil
}

// leaseHolder is the provider a job is leased to now.
func leaseHolder(j types.Job) (string, bool) {
	if (j.Status == types.JOB_STATUS_LEASED || j.Status == types.JOB_STATUS_RUNNING) && j.Lease != nil {
		return j.Lease.Provider, true
	}
	return "", false
}

// heightDue is the height at which the EndBlocker must look at the job: the
// block after its accept or progress deadline.
func heightDue(j types.Job) (int64, bool) {
	if j.Lease == nil {
		return 0, false
	}
	switch j.Status {
	case types.JOB_STATUS_LEASED:
		return j.Lease.AcceptDeadline + 1, true
	case types.JOB_STATUS_RUNNING:
		return j.Lease.ProgressDeadline + 1, true
	}
	return 0, false
}

// timeDue is the block time (Unix nanoseconds) at which the EndBlocker must
// look at the job: a running job's max_duration, a verifying job's
// challenge window.
func timeDue(j types.Job) (int64, bool) {
	switch {
	case j.Status == types.JOB_STATUS_RUNNING && j.Lease != nil:
		return j.Lease.MaxEndTime.UnixNano(), true
	case j.Status == types.JOB_STATUS_VERIFYING:
		return j.SettleTime.UnixNano(), true
	}
	return 0, false
}

// maxHistory bounds a job's timeline; the first entry (creation) is kept.
const maxHistory = 64

// transition moves job to status and records it in the timeline.
func transition(ctx context.Context, job *types.Job, status types.JobStatus, note string) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	job.Status = status
	job.UpdatedHeight = sdkCtx.BlockHeight()
	if len(job.History) >= maxHistory {
		job.History = append(job.History[:1], job.History[2:]...)
	}
	job.History = append(job.History, types.Transition{Status: status, Height: sdkCtx.BlockHeight(), Time: sdkCtx.BlockTime(), Note: note})
}

// Job returns one job, or ErrJobNotFound.
func (k Keeper) Job(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return j, errorsmod.Wrapf(types.ErrJobNotFound, "job_id: no job %d; see `gpunet job list`", id)
	}
	return j, err
}

// CancelJob cancels a job of client's that has not finished running. A
// running job's provider is paid for the time used; the rest of the escrow
// returns to the client.
func (k Keeper) CancelJob(ctx context.Context, client sdk.AccAddress, id uint64) (math.Int, error) {
	job, err := k.Job(ctx, id)
	if err != nil {
		return math.Int{}, err
	}
	if job.Client != k.encodeAddress(client) {
		return math.Int{}, errorsmod.Wrapf(types.ErrNotJobClient, "client: job %d belongs to %s; only its client may cancel it", id, job.Client)
	}
	switch job.Status {
	case types.JOB_STATUS_PENDING, types.JOB_STATUS_LEASED, types.JOB_STATUS_RUNNING:
	default:
		return math.Int{}, errorsmod.Wrapf(types.ErrJobNotCancellable, "job_id: job %d is %s; only a pending, leased or running job can be cancelled", id, job.Status.ShortName())
	}
	prev := job
	if _, err := k.endLease(ctx, &job, sdk.UnwrapSDKContext(ctx).BlockTime(), true); err != nil {
		return math.Int{}, err
	}
	transition(ctx, &job, types.JOB_STATUS_CANCELLED, "cancelled by the client")
	refund, err := k.refund(ctx, &job)
	if err != nil {
		return math.Int{}, err
	}
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return math.Int{}, err
	}
	return refund, k.emit(ctx, &types.EventJobCancelled{JobId: id, Client: job.Client, Refunded: refund})
}
