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
}

func (info ProviderInfo) validate() error {
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
	p.FreeGpus = types.TotalGPUs(info.GPUs)
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
