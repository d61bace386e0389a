package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// ProviderInfo is what a provider says about itself in Register and Update.
type ProviderInfo struct {
	PeerID     string
	Multiaddrs []string
	GPUs       []types.GPU
	Price      sdk.Coin
	// CPUs, MemoryMiB and DiskMiB are the capacity offered to jobs.
	CPUs      uint64
	MemoryMiB uint64
	DiskMiB   uint64
}

func (info ProviderInfo) validate() error {
	if err := types.ValidateCapacity(info.CPUs, info.MemoryMiB, info.DiskMiB); err != nil {
		return err
	}
	return types.ValidateProviderFields(info.PeerID, info.Multiaddrs, info.GPUs, info.Price)
}

// RegisterProvider adds owner to the registry. An owner registers once, and a
// peer ID belongs to one owner.
func (k Keeper) RegisterProvider(ctx context.Context, owner sdk.AccAddress, info ProviderInfo) error {
	if err := info.validate(); err != nil {
		return err
	}
	addr := k.encodeAddress(owner)
	if has, err := k.Providers.Has(ctx, owner); err != nil {
		return fmt.Errorf("read provider %s: %w", addr, err)
	} else if has {
		return errorsmod.Wrapf(types.ErrProviderExists, "owner: %s is already a provider; use `gpunet provider update` to change its entry", addr)
	}
	if err := k.claimPeerID(ctx, owner, info.PeerID); err != nil {
		return err
	}
	p := types.Provider{
		Address:          addr,
		PeerId:           info.PeerID,
		Multiaddrs:       info.Multiaddrs,
		Gpus:             info.GPUs,
		PricePerGpuHour:  info.Price.Amount,
		FreeGpus:         types.TotalGPUs(info.GPUs),
		Cpus:             info.CPUs,
		MemoryMib:        info.MemoryMiB,
		DiskMib:          info.DiskMiB,
		FreeCpus:         info.CPUs,
		FreeMemoryMib:    info.MemoryMiB,
		FreeDiskMib:      info.DiskMiB,
		Status:           types.PROVIDER_STATUS_ACTIVE,
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := k.Providers.Set(ctx, owner, p); err != nil {
		return fmt.Errorf("store provider %s: %w", addr, err)
	}
	return k.emit(ctx, &types.EventProviderRegistered{Address: addr, PeerId: info.PeerID})
}

// UpdateProvider replaces what a registered provider says about itself,
// keeping its status and history.
func (k Keeper) UpdateProvider(ctx context.Context, owner sdk.AccAddress, info ProviderInfo) error {
	if err := info.validate(); err != nil {
		return err
	}
	addr := k.encodeAddress(owner)
	p, err := k.Providers.Get(ctx, owner)
	if errors.Is(err, collections.ErrNotFound) {
		return errorsmod.Wrapf(types.ErrProviderNotFound, "owner: %s is not a provider; register it first with `gpunet provider register`", addr)
	} else if err != nil {
		return fmt.Errorf("read provider %s: %w", addr, err)
	}
	if p.PeerId != info.PeerID {
		if err := k.claimPeerID(ctx, owner, info.PeerID); err != nil {
			return err
		}
		if err := k.ProvidersByPeerID.Remove(ctx, p.PeerId); err != nil {
			return fmt.Errorf("release peer id %s: %w", p.PeerId, err)
		}
	}
	p.PeerId, p.Multiaddrs, p.Gpus, p.PricePerGpuHour = info.PeerID, info.Multiaddrs, info.GPUs, info.Price.Amount
	p.Cpus, p.MemoryMib, p.DiskMib = info.CPUs, info.MemoryMiB, info.DiskMiB
	// What the provider's current leases hold stays held: free is the new
	// capacity less that, never below zero.
	held, err := k.leasedResources(ctx, owner)
	if err != nil {
		return err
	}
	p.FreeGpus = satSub32(types.TotalGPUs(info.GPUs), held.Gpus)
	p.FreeCpus = satSub(info.CPUs, held.Cpus)
	p.FreeMemoryMib = satSub(info.MemoryMiB, held.MemoryMib)
	p.FreeDiskMib = satSub(info.DiskMiB, held.DiskMib)
	if err := k.Providers.Set(ctx, owner, p); err != nil {
		return fmt.Errorf("store provider %s: %w", addr, err)
	}
	return k.emit(ctx, &types.EventProviderUpdated{Address: addr, PeerId: info.PeerID})
}

func (k Keeper) claimPeerID(ctx context.Context, owner sdk.AccAddress, peerID string) error {
	holder, err := k.ProvidersByPeerID.Get(ctx, peerID)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		if err := k.ProvidersByPeerID.Set(ctx, peerID, owner); err != nil {
			return fmt.Errorf("index peer id %s: %w", peerID, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read peer id %s: %w", peerID, err)
	}
	return errorsmod.Wrapf(types.ErrPeerIDTaken, "peer_id: %s is already registered by %s; each node needs its own identity key", peerID, k.encodeAddress(holder))
}

// Provider returns one provider, or ErrProviderNotFound.
func (k Keeper) Provider(ctx context.Context, owner sdk.AccAddress) (types.Provider, error) {
	p, err := k.Providers.Get(ctx, owner)
	if errors.Is(err, collections.ErrNotFound) {
		return p, errorsmod.Wrapf(types.ErrProviderNotFound, "address: %s is not a registered provider", k.encodeAddress(owner))
	}
	return p, err
}

// leasedResources sums what owner's current leases hold.
func (k Keeper) leasedResources(ctx context.Context, owner sdk.AccAddress) (types.Lease, error) {
	var sum types.Lease
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint64](owner)
	err := k.JobsByProvider.Walk(ctx, rng, func(key collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		j, err := k.Jobs.Get(ctx, key.K2())
		if err != nil {
			return true, err
		}
		if j.Lease != nil {
			sum.Gpus += j.Lease.Gpus
			sum.Cpus += j.Lease.Cpus
			sum.MemoryMib += j.Lease.MemoryMib
			sum.DiskMib += j.Lease.DiskMib
		}
		return false, nil
	})
	if err != nil {
		return sum, fmt.Errorf("sum leases of %s: %w", k.encodeAddress(owner), err)
	}
	return sum, nil
}

func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func satSub32(a, b uint32) uint32 {
	if b > a {
		return 0
	}
	return a - b
}
