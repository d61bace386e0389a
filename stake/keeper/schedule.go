package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/scheduler"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// candidatesPerPlacement bounds how many pending jobs one block considers
// per placement it may make: jobs no provider fits do not starve the queue
// behind them, and a block's work stays bounded.
const candidatesPerPlacement = 4

// Schedule places pending jobs, oldest first, at most
// max_placements_per_block of them, through the scheduler package.
func (k Keeper) Schedule(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	budget := int(params.MaxPlacementsPerBlock)
	pending, err := k.pendingJobs(ctx, budget*candidatesPerPlacement)
	if err != nil || len(pending) == 0 {
		return err
	}
	providers, err := k.SchedulerProviders(ctx)
	if err != nil {
		return err
	}
	requests := make([]scheduler.Job, len(pending))
	byID := make(map[uint64]pendingJob, len(pending))
	for i, p := range pending {
		requests[i] = SchedulerJob(p.job.Id, p.spec, params)
		byID[p.job.Id] = p
	}
	for _, pl := range scheduler.Plan(requests, providers, budget, scheduler.DefaultOptions()) {
		p := byID[pl.JobID]
		k.isolated(ctx, pl.JobID, func(ctx context.Context) error { return k.place(ctx, p.job, p.spec, pl, params) })
	}
	return nil
}

// pendingJob is a PENDING job with its spec parsed once per block.
type pendingJob struct {
	job  types.Job
	spec *jobspec.Spec
}

// pendingJobs returns up to limit PENDING jobs in ID order.
func (k Keeper) pendingJobs(ctx context.Context, limit int) ([]pendingJob, error) {
	var out []pendingJob
	rng := collections.NewPrefixedPairRange[int32, uint64](int32(types.JOB_STATUS_PENDING))
	err := k.JobsByStatus.Walk(ctx, rng, func(key collections.Pair[int32, uint64]) (bool, error) {
		job, err := k.Jobs.Get(ctx, key.K2())
		if err != nil {
			return true, err
		}
		spec, err := types.ParseJobSpec(job.Spec)
		if err != nil {
			return true, fmt.Errorf("job %d: %w", job.Id, err)
		}
		out = append(out, pendingJob{job: job, spec: spec})
		return len(out) >= limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk pending jobs: %w", err)
	}
	return out, nil
}

// SchedulerJob is a job's request as the scheduler sees it. The provider's
// slashable stake must cover what cheating on it could gain: the job's
// value divided by the samples that check it (SPEC section 5), and at least
// the minimum provider stake.
func SchedulerJob(id uint64, spec *jobspec.Spec, params types.Params) scheduler.Job {
	r := spec.Resources
	samples := max(spec.Verification.Samples, 1)
	minStake := math.MaxInt(spec.Deposit.Int().QuoRaw(samples), params.MinProviderStake)
	return scheduler.Job{
		ID:                 id,
		GPUs:               uint32(r.GPUs),
		GPUMemoryMiB:       uint64(r.GPUMemoryMiB),
		GPUModels:          r.GPUModels,
		CPUs:               uint64(r.CPUs),
		MemoryMiB:          uint64(r.MemoryMiB),
		DiskMiB:            uint64(r.DiskMiB),
		MaxPricePerGPUHour: spec.MaxPricePerGPUHour.Int(),
		MinStake:           minStake,
	}
}

// SchedulerProviders is every registered provider as the scheduler sees it
// at this height, in address order.
func (k Keeper) SchedulerProviders(ctx context.Context) ([]scheduler.Provider, error) {
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	var out []scheduler.Provider
	err := k.Providers.Walk(ctx, nil, func(addr sdk.AccAddress, p types.Provider) (bool, error) {
		stake, err := k.Bonded(ctx, addr, types.ROLE_PROVIDER)
		if err != nil {
			return true, err
		}
		out = append(out, ToSchedulerProvider(p, stake, height))
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk providers: %w", err)
	}
	return out, nil
}

// ToSchedulerProvider converts a registry entry; the CLI's job plan uses it
// on queried state.
func ToSchedulerProvider(p types.Provider, stake math.Int, height int64) scheduler.Provider {
	gpus := make([]scheduler.GPU, len(p.Gpus))
	for i, g := range p.Gpus {
		gpus[i] = scheduler.GPU{Model: g.Model, MemoryMiB: g.MemoryMib, ComputeCapability: g.ComputeCapability, Count: g.Count}
	}
	return scheduler.Provider{
		Address:         p.Address,
		GPUs:            gpus,
		FreeGPUs:        p.FreeGpus,
		FreeCPUs:        p.FreeCpus,
		FreeMemoryMiB:   p.FreeMemoryMib,
		FreeDiskMiB:     p.FreeDiskMib,
		PricePerGPUHour: p.PricePerGpuHour,
		Jailed:          p.JailedUntil > height,
		SlashableStake:  stake,
		VerifiedJobs:    p.JobsSucceeded,
	}
}

// place leases a pending job to the provider the scheduler chose.
func (k Keeper) place(ctx context.Context, job types.Job, spec *jobspec.Spec, pl scheduler.Placement, params types.Params) error {
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	r := spec.Resources
	lease := &types.Lease{
		Provider:        pl.Provider,
		PricePerGpuHour: pl.PricePerGPUHour,
		Gpus:            uint32(r.GPUs),
		Cpus:            uint64(r.CPUs),
		MemoryMib:       uint64(r.MemoryMiB),
		DiskMib:         uint64(r.DiskMiB),
		LeasedHeight:    height,
		AcceptDeadline:  height + int64(params.LeaseAcceptTimeout),
		StartStep:       lastStep(job),
	}
	if err := k.holdResources(ctx, lease); err != nil {
		return err
	}
	if addr, err := k.addressCodec.StringToBytes(pl.Provider); err == nil {
		if p, err := k.Providers.Get(ctx, addr); err == nil && p.Status == types.PROVIDER_STATUS_JAILED && p.JailedUntil <= height {
			p.Status = types.PROVIDER_STATUS_ACTIVE
			if err := k.Providers.Set(ctx, addr, p); err != nil {
				return err
			}
		}
	}
	prev := job
	job.Lease = lease
	job.Placements++
	transition(ctx, &job, types.JOB_STATUS_LEASED, fmt.Sprintf("placed on %s from step %d", pl.Provider, lease.StartStep))
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	return k.emit(ctx, &types.EventJobLeased{JobId: job.Id, Provider: pl.Provider, AcceptDeadline: lease.AcceptDeadline, StartStep: lease.StartStep})
}
