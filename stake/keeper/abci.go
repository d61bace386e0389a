package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// EndBlocker matures the unbonding entries that are due, acts on the jobs
// whose deadline has come (leases not accepted or gone silent, runs past
// max_duration, challenge windows closed), and places pending jobs. It
// touches only what is due, through the deadline indexes, and places at
// most max_placements_per_block jobs, so its cost does not grow with the
// number of jobs.
func (k Keeper) EndBlocker(ctx context.Context) error {
	if err := k.MatureUnbonding(ctx); err != nil {
		return err
	}
	if err := k.processHeightDue(ctx); err != nil {
		return err
	}
	if err := k.processTimeDue(ctx); err != nil {
		return err
	}
	return k.Schedule(ctx)
}

// dueIDs collects the IDs in a deadline index up to and including limit.
// They are collected first because acting on a job moves its index entry.
func dueIDs(ctx context.Context, idx collections.KeySet[collections.Pair[int64, uint64]], limit int64) ([]uint64, error) {
	rng := new(collections.Range[collections.Pair[int64, uint64]]).
		EndInclusive(collections.Join(limit, ^uint64(0)))
	var ids []uint64
	err := idx.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		ids = append(ids, key.K2())
		return false, nil
	})
	return ids, err
}

// processHeightDue handles leases past their accept or progress deadline.
func (k Keeper) processHeightDue(ctx context.Context) error {
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	return k.processDue(ctx, k.JobsByHeightDue, height, func(ctx context.Context, job types.Job) error {
		switch job.Status {
		case types.JOB_STATUS_LEASED:
			return k.loseLease(ctx, job, fmt.Sprintf("provider %s did not accept the lease by height %d", job.Lease.Provider, job.Lease.AcceptDeadline))
		case types.JOB_STATUS_RUNNING:
			return k.loseLease(ctx, job, fmt.Sprintf("provider %s reported no progress by height %d", job.Lease.Provider, job.Lease.ProgressDeadline))
		}
		return nil
	})
}

// processTimeDue ends runs past max_duration and settles closed windows.
func (k Keeper) processTimeDue(ctx context.Context) error {
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	return k.processDue(ctx, k.JobsByTimeDue, now.UnixNano(), func(ctx context.Context, job types.Job) error {
		switch job.Status {
		case types.JOB_STATUS_RUNNING:
			return k.failJob(ctx, job, job.Lease.MaxEndTime, "ran past its max_duration")
		case types.JOB_STATUS_VERIFYING:
			return k.settle(ctx, job)
		}
		return nil
	})
}

// processDue acts on every job of a deadline index due at or before limit,
// each in its own cache context.
func (k Keeper) processDue(ctx context.Context, idx collections.KeySet[collections.Pair[int64, uint64]], limit int64,
	act func(context.Context, types.Job) error) error {
	ids, err := dueIDs(ctx, idx, limit)
	if err != nil {
		return fmt.Errorf("walk due jobs: %w", err)
	}
	for _, id := range ids {
		job, err := k.Jobs.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("due job %d: %w", id, err)
		}
		k.isolated(ctx, id, func(ctx context.Context) error { return act(ctx, job) })
	}
	return nil
}

// isolated runs one job's end-of-block work in a cache context: it is
// written only if it succeeds, and a failure is logged instead of halting
// the chain. The job keeps its due entry and is tried again next block.
func (k Keeper) isolated(ctx context.Context, id uint64, fn func(context.Context) error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	cacheCtx, write := sdkCtx.CacheContext()
	if err := fn(cacheCtx); err != nil {
		sdkCtx.Logger().Error("end-of-block work on a job failed; it is retried next block", "module", types.ModuleName, "job", id, "err", err)
		return
	}
	write()
}
