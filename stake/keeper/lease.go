package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// nanosPerHour converts price per GPU-hour and nanoseconds of run time.
var nanosPerHour = math.NewInt(int64(time.Hour))

// billedGPUs is what a lease is billed for: its GPUs, and a CPU job
// (gpus: 0) as one GPU slot, since it occupies the provider's machine.
func billedGPUs(l *types.Lease) int64 { return max(int64(l.Gpus), 1) }

// runCost is price × GPUs × run time, in ugpu, rounded down.
func runCost(l *types.Lease, run time.Duration) math.Int {
	if run <= 0 {
		return math.ZeroInt()
	}
	return l.PricePerGpuHour.MulRaw(billedGPUs(l)).Mul(math.NewInt(int64(run))).Quo(nanosPerHour)
}

// leaseRun is how long an accepted lease has run at block time now, capped
// at its max_end_time.
func leaseRun(l *types.Lease, now time.Time) time.Duration {
	if l == nil || l.AcceptedHeight == 0 {
		return 0
	}
	end := now
	if end.After(l.MaxEndTime) {
		end = l.MaxEndTime
	}
	return max(end.Sub(l.AcceptedTime), 0)
}

// leasedJob loads a job and checks that provider holds its lease in one of
// the given states.
func (k Keeper) leasedJob(ctx context.Context, provider sdk.AccAddress, id uint64, states ...types.JobStatus) (types.Job, error) {
	job, err := k.Job(ctx, id)
	if err != nil {
		return job, err
	}
	holder, ok := leaseHolder(job)
	if !ok || holder != k.encodeAddress(provider) {
		return job, errorsmod.Wrapf(types.ErrNotLeaseHolder, "provider: job %d is not leased to %s", id, k.encodeAddress(provider))
	}
	for _, s := range states {
		if job.Status == s {
			return job, nil
		}
	}
	return job, errorsmod.Wrapf(types.ErrWrongJobState, "job_id: job %d is %s", id, job.Status.ShortName())
}

// AcceptLease starts the run of a job placed on provider.
func (k Keeper) AcceptLease(ctx context.Context, provider sdk.AccAddress, id uint64) error {
	job, err := k.leasedJob(ctx, provider, id, types.JOB_STATUS_LEASED)
	if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	spec, err := types.ParseJobSpec(job.Spec)
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	prev := job
	lease := *job.Lease
	lease.AcceptedHeight = sdkCtx.BlockHeight()
	lease.AcceptedTime = sdkCtx.BlockTime()
	lease.ProgressDeadline = sdkCtx.BlockHeight() + int64(params.ProgressTimeout)
	left := spec.MaxDuration.Duration() - time.Duration(job.RunSeconds)*time.Second
	lease.MaxEndTime = lease.AcceptedTime.Add(max(left, 0))
	job.Lease = &lease
	transition(ctx, &job, types.JOB_STATUS_RUNNING, "accepted by "+lease.Provider)
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	return k.emit(ctx, &types.EventLeaseAccepted{JobId: id, Provider: lease.Provider})
}

// ReportCheckpoints appends a running job's new checkpoints to its trail and
// renews its progress deadline.
func (k Keeper) ReportCheckpoints(ctx context.Context, provider sdk.AccAddress, id uint64, reports []types.CheckpointReport) error {
	// An empty batch would renew the deadline without progress.
	if err := types.ValidateReports(reports); err != nil {
		return err
	}
	job, err := k.leasedJob(ctx, provider, id, types.JOB_STATUS_RUNNING)
	if err != nil {
		return err
	}
	spec, err := types.ParseJobSpec(job.Spec)
	if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	prev := job
	if err := k.appendCheckpoints(ctx, &job, spec.Steps, spec.CheckpointEvery, reports); err != nil {
		return err
	}
	lease := *job.Lease
	lease.ProgressDeadline = sdk.UnwrapSDKContext(ctx).BlockHeight() + int64(params.ProgressTimeout)
	job.Lease = &lease
	job.UpdatedHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	steps := make([]int64, len(reports))
	for i, r := range reports {
		steps[i] = r.Step
	}
	return k.emit(ctx, &types.EventCheckpointsReported{JobId: id, Provider: lease.Provider, Steps: steps})
}

// appendCheckpoints checks each report against the job and its trail: a
// step after the last committed one and after the lease's start, on the
// checkpoint period or the final step. A step already committed with the
// same root is taken again (a provider retrying after a lost response); with
// another root it is refused.
func (k Keeper) appendCheckpoints(ctx context.Context, job *types.Job, steps, every int64, reports []types.CheckpointReport) error {
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	for i, r := range reports {
		field := fmt.Sprintf("checkpoints[%d]", i)
		if err := types.ValidateReport(field, r); err != nil {
			return err
		}
		if n := len(job.Checkpoints); n > 0 {
			last := job.Checkpoints[n-1]
			if r.Step == last.Step && string(r.Root) == string(last.Root) {
				continue
			}
			if r.Step <= last.Step {
				return errorsmod.Wrapf(types.ErrInvalidReport, "%s.step: %d is not after the last committed step %d", field, r.Step, last.Step)
			}
		}
		switch {
		case r.Step <= job.Lease.StartStep:
			return errorsmod.Wrapf(types.ErrInvalidReport, "%s.step: %d is not after the lease's start step %d", field, r.Step, job.Lease.StartStep)
		case r.Step > steps:
			return errorsmod.Wrapf(types.ErrInvalidReport, "%s.step: %d is past the job's %d steps", field, r.Step, steps)
		case r.Step%every != 0 && r.Step != steps:
			return errorsmod.Wrapf(types.ErrInvalidReport, "%s.step: %d is neither a multiple of checkpoint_every (%d) nor the last step", field, r.Step, every)
		}
		job.Checkpoints = append(job.Checkpoints, types.Checkpoint{Step: r.Step, Root: r.Root, Height: height, Provider: job.Lease.Provider})
	}
	return nil
}

// CompleteJob commits the final checkpoint: the provider's run ends, its
// resources are free again, and the job is VERIFYING until the challenge
// window closes and it settles.
func (k Keeper) CompleteJob(ctx context.Context, provider sdk.AccAddress, id uint64, final types.CheckpointReport) error {
	job, err := k.leasedJob(ctx, provider, id, types.JOB_STATUS_RUNNING)
	if err != nil {
		return err
	}
	spec, err := types.ParseJobSpec(job.Spec)
	if err != nil {
		return err
	}
	if final.Step != spec.Steps {
		return errorsmod.Wrapf(types.ErrInvalidReport, "final.step: %d is not the job's last step %d", final.Step, spec.Steps)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	prev := job
	if err := k.appendCheckpoints(ctx, &job, spec.Steps, spec.CheckpointEvery, []types.CheckpointReport{final}); err != nil {
		return err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	owed, err := k.endLease(ctx, &job, now, false)
	if err != nil {
		return err
	}
	job.Owed = owed
	job.SettleTime = now.Add(params.ChallengeWindow)
	transition(ctx, &job, types.JOB_STATUS_VERIFYING, "final checkpoint committed by "+job.Lease.Provider)
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	return k.emit(ctx, &types.EventJobCompleted{JobId: id, Provider: job.Lease.Provider, FinalStep: final.Step, SettleTime: job.SettleTime})
}

// FailJob ends a job whose task failed on its own. The provider is paid for
// the time used and the rest of the escrow returns to the client.
func (k Keeper) FailJob(ctx context.Context, provider sdk.AccAddress, id uint64, reason string) error {
	if err := types.ValidateReason(reason); err != nil {
		return err
	}
	job, err := k.leasedJob(ctx, provider, id, types.JOB_STATUS_LEASED, types.JOB_STATUS_RUNNING)
	if err != nil {
		return err
	}
	return k.failJob(ctx, job, sdk.UnwrapSDKContext(ctx).BlockTime(), "reported by "+job.Lease.Provider+": "+reason)
}

func (k Keeper) failJob(ctx context.Context, job types.Job, end time.Time, reason string) error {
	prev := job
	if _, err := k.endLease(ctx, &job, end, true); err != nil {
		return err
	}
	job.Reason = reason
	transition(ctx, &job, types.JOB_STATUS_FAILED, reason)
	refund, err := k.refund(ctx, &job)
	if err != nil {
		return err
	}
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	if err := k.emit(ctx, &types.EventJobFailed{JobId: job.Id, Reason: reason}); err != nil {
		return err
	}
	provider := ""
	if job.Lease != nil {
		provider = job.Lease.Provider
	}
	return k.emit(ctx, &types.EventJobSettled{JobId: job.Id, Status: job.Status, Provider: provider, Paid: job.Paid, Refunded: refund})
}

// endLease ends a job's lease at end: the provider's resources are freed
// and the run time counted. payNow pays the provider at once; otherwise the
// cost is returned for settlement later. A job without a lease is left as it
// is. The lease stays on the job as the record of who ran it.
func (k Keeper) endLease(ctx context.Context, job *types.Job, end time.Time, payNow bool) (math.Int, error) {
	if _, ok := leaseHolder(*job); !ok {
		return math.ZeroInt(), nil
	}
	l := job.Lease
	if err := k.releaseResources(ctx, l); err != nil {
		return math.Int{}, err
	}
	run := leaseRun(l, end)
	job.RunSeconds += int64(run / time.Second)
	cost := math.MinInt(runCost(l, run), job.Escrow)
	if !payNow || !cost.IsPositive() {
		return cost, nil
	}
	return cost, k.pay(ctx, job, l.Provider, cost)
}

// pay moves amount of a job's escrow to addr.
func (k Keeper) pay(ctx context.Context, job *types.Job, addr string, amount math.Int) error {
	if !amount.IsPositive() {
		return nil
	}
	to, err := k.addressCodec.StringToBytes(addr)
	if err != nil {
		return fmt.Errorf("pay job %d: %w", job.Id, err)
	}
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, types.Coins(amount)); err != nil {
		return fmt.Errorf("pay job %d to %s: %w", job.Id, addr, err)
	}
	job.Escrow = job.Escrow.Sub(amount)
	job.Paid = job.Paid.Add(amount)
	return nil
}

// refund returns what is left of a job's escrow to its client.
func (k Keeper) refund(ctx context.Context, job *types.Job) (math.Int, error) {
	left := job.Escrow
	if !left.IsPositive() {
		return math.ZeroInt(), nil
	}
	client, err := k.addressCodec.StringToBytes(job.Client)
	if err != nil {
		return math.Int{}, fmt.Errorf("refund job %d: %w", job.Id, err)
	}
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, client, types.Coins(left)); err != nil {
		return math.Int{}, fmt.Errorf("refund job %d: %w", job.Id, err)
	}
	job.Escrow = math.ZeroInt()
	return left, nil
}

// holdResources takes a lease's resources from its provider.
func (k Keeper) holdResources(ctx context.Context, l *types.Lease) error {
	return k.updateProviderResources(ctx, l, false)
}

// releaseResources gives a lease's resources back to its provider.
func (k Keeper) releaseResources(ctx context.Context, l *types.Lease) error {
	return k.updateProviderResources(ctx, l, true)
}

func (k Keeper) updateProviderResources(ctx context.Context, l *types.Lease, release bool) error {
	addr, err := k.addressCodec.StringToBytes(l.Provider)
	if err != nil {
		return fmt.Errorf("lease provider %q: %w", l.Provider, err)
	}
	p, err := k.Providers.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // a provider cannot deregister today; nothing to give back
	} else if err != nil {
		return err
	}
	if release {
		// Capacity may have shrunk since (UpdateProvider): never above it.
		p.FreeGpus = min(p.FreeGpus+l.Gpus, types.TotalGPUs(p.Gpus))
		p.FreeCpus = min(p.FreeCpus+l.Cpus, p.Cpus)
		p.FreeMemoryMib = min(p.FreeMemoryMib+l.MemoryMib, p.MemoryMib)
		p.FreeDiskMib = min(p.FreeDiskMib+l.DiskMib, p.DiskMib)
	} else {
		if p.FreeGpus < l.Gpus || p.FreeCpus < l.Cpus || p.FreeMemoryMib < l.MemoryMib || p.FreeDiskMib < l.DiskMib {
			// The scheduler only places what fits; this is a wiring bug.
			return errorsmod.Wrapf(types.ErrInvariantBroken, "lease on %s exceeds its free resources", l.Provider)
		}
		p.FreeGpus -= l.Gpus
		p.FreeCpus -= l.Cpus
		p.FreeMemoryMib -= l.MemoryMib
		p.FreeDiskMib -= l.DiskMib
	}
	return k.Providers.Set(ctx, addr, p)
}

// jail keeps a provider off the scheduler for params.JailDuration blocks.
func (k Keeper) jail(ctx context.Context, provider string, reason string) error {
	addr, err := k.addressCodec.StringToBytes(provider)
	if err != nil {
		return fmt.Errorf("jail %q: %w", provider, err)
	}
	p, err := k.Providers.Get(ctx, addr)
	if err != nil {
		return fmt.Errorf("jail %s: %w", provider, err)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	p.Status = types.PROVIDER_STATUS_JAILED
	p.JailedUntil = sdk.UnwrapSDKContext(ctx).BlockHeight() + int64(params.JailDuration)
	if err := k.Providers.Set(ctx, addr, p); err != nil {
		return err
	}
	return k.emit(ctx, &types.EventProviderJailed{Address: provider, JailedUntil: p.JailedUntil, Reason: reason})
}

// loseLease takes a job from a provider that did not keep its lease and
// puts it back in the queue, to resume from its last committed checkpoint.
func (k Keeper) loseLease(ctx context.Context, job types.Job, reason string) error {
	prev := job
	provider := job.Lease.Provider
	// The provider is paid nothing for a lease it abandoned: its work since
	// the last report is lost to the client too.
	if err := k.releaseResources(ctx, job.Lease); err != nil {
		return err
	}
	job.Lease = nil
	job.Reason = reason
	transition(ctx, &job, types.JOB_STATUS_PENDING, reason)
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	if err := k.jail(ctx, provider, reason); err != nil {
		return err
	}
	return k.emit(ctx, &types.EventLeaseLost{JobId: job.Id, Provider: provider, Reason: reason, ResumeStep: lastStep(job)})
}

// lastStep is the step of a job's last committed checkpoint, 0 if none.
func lastStep(j types.Job) int64 {
	if n := len(j.Checkpoints); n > 0 {
		return j.Checkpoints[n-1].Step
	}
	return 0
}

// settle pays a VERIFYING job whose challenge window closed.
func (k Keeper) settle(ctx context.Context, job types.Job) error {
	prev := job
	provider := job.Lease.Provider
	owed := math.MinInt(job.Owed, job.Escrow)
	if err := k.pay(ctx, &job, provider, owed); err != nil {
		return err
	}
	job.Owed = math.ZeroInt()
	transition(ctx, &job, types.JOB_STATUS_SUCCEEDED, "challenge window closed; provider paid")
	refund, err := k.refund(ctx, &job)
	if err != nil {
		return err
	}
	if err := k.saveJob(ctx, &prev, job); err != nil {
		return err
	}
	if addr, err := k.addressCodec.StringToBytes(provider); err == nil {
		if p, err := k.Providers.Get(ctx, addr); err == nil {
			p.JobsSucceeded++
			if err := k.Providers.Set(ctx, addr, p); err != nil {
				return err
			}
		}
	}
	return k.emit(ctx, &types.EventJobSettled{JobId: job.Id, Status: job.Status, Provider: provider, Paid: job.Paid, Refunded: refund})
}
