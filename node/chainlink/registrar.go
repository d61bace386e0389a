package chainlink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/types"
)

// Entry is what the node says about itself on chain.
type Entry struct {
	PeerID     string
	Multiaddrs []string
	GPUs       []types.GPU
	Price      sdk.Coin
	// CPUs, MemoryMiB and DiskMiB are the capacity offered to jobs.
	CPUs      uint64
	MemoryMiB uint64
	DiskMiB   uint64
}

// Registrar keeps the node's provider entry on chain equal to its Entry.
type Registrar struct {
	client  *client.Client
	keyName string
	logger  *slog.Logger
	// MaxBackoff caps the wait between attempts while the chain is away.
	MaxBackoff time.Duration

	mu         sync.Mutex
	entry      Entry
	changed    chan struct{}
	registered atomic.Bool
}

// Registered reports whether the chain has held this node's current entry
// since the last successful Ensure in Run.
func (r *Registrar) Registered() bool { return r.registered.Load() }

// NewRegistrar signs with keyName's key through c.
func NewRegistrar(c *client.Client, keyName string, entry Entry, logger *slog.Logger) *Registrar {
	return &Registrar{client: c, keyName: keyName, entry: entry, logger: logger, MaxBackoff: 30 * time.Second, changed: make(chan struct{}, 1)}
}

// Update replaces the entry (e.g. a GPU went away); Run pushes it to chain.
func (r *Registrar) Update(e Entry) {
	r.mu.Lock()
	r.entry = e
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *Registrar) current() Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entry
}

// Ensure makes the chain's entry match, sending RegisterProvider or
// UpdateProvider only when needed. It reports whether it sent anything.
func (r *Registrar) Ensure(ctx context.Context) (bool, error) {
	e := r.current()
	addr, err := r.client.Address(r.keyName)
	if err != nil {
		return false, err
	}
	res, err := r.client.Query.Provider(ctx, &types.QueryProviderRequest{Address: addr.String()})
	switch {
	case status.Code(err) == codes.NotFound:
		_, err = r.client.Send(ctx, r.keyName, &types.MsgRegisterProvider{Owner: addr.String(), PeerId: e.PeerID, Multiaddrs: e.Multiaddrs, Gpus: e.GPUs, PricePerGpuHour: e.Price,
			Cpus: e.CPUs, MemoryMib: e.MemoryMiB, DiskMib: e.DiskMiB})
		if err != nil {
			return false, fmt.Errorf("register provider %s: %w", addr, err)
		}
		r.logger.Info("registered on chain", "address", addr.String(), "peer_id", e.PeerID, "gpus", types.TotalGPUs(e.GPUs))
		return true, nil
	case err != nil:
		return false, client.Unwrap(err)
	}
	if matches(res.Provider, e) {
		return false, nil
	}
	_, err = r.client.Send(ctx, r.keyName, &types.MsgUpdateProvider{Owner: addr.String(), PeerId: e.PeerID, Multiaddrs: e.Multiaddrs, Gpus: e.GPUs, PricePerGpuHour: e.Price,
		Cpus: e.CPUs, MemoryMib: e.MemoryMiB, DiskMib: e.DiskMiB})
	if err != nil {
		return false, fmt.Errorf("update provider %s: %w", addr, err)
	}
	r.logger.Info("updated provider entry on chain", "address", addr.String(), "peer_id", e.PeerID, "gpus", types.TotalGPUs(e.GPUs))
	return true, nil
}

func matches(p types.Provider, e Entry) bool {
	return p.PeerId == e.PeerID && slices.Equal(p.Multiaddrs, e.Multiaddrs) &&
		types.SameGPUs(p.Gpus, e.GPUs) && p.PricePerGpuHour.Equal(e.Price.Amount) &&
		p.Cpus == e.CPUs && p.MemoryMib == e.MemoryMiB && p.DiskMib == e.DiskMiB
}

// Run keeps the entry registered until ctx ends. While the chain cannot be
// reached it says so once, then retries with a growing pause; a refusal by
// the chain (bad entry, unfunded key) is retried too, since a person may fix
// it, but logged each time.
func (r *Registrar) Run(ctx context.Context) error {
	backoff := time.Second
	waiting := false
	for {
		_, err := r.Ensure(ctx)
		wait := time.Duration(0)
		switch {
		case err == nil:
			r.registered.Store(true)
			if waiting {
				r.logger.Info("chain reachable again")
			}
			waiting, backoff = false, time.Second
		case ctx.Err() != nil:
			return nil
		case isUnreachable(err):
			if !waiting {
				r.logger.Warn("waiting for the chain to register this provider; will retry", "reason", err.Error())
				waiting = true
			}
			wait = backoff
			backoff = min(2*backoff, r.MaxBackoff)
		default:
			r.logger.Error("the chain refused this provider's entry; will retry", "reason", err.Error())
			wait = r.MaxBackoff
		}
		if wait == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-r.changed:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.changed:
		case <-time.After(wait):
		}
	}
}

// isUnreachable tells a chain that is away (restarting, not yet up) from
// one that answered no.
func isUnreachable(err error) bool {
	var txErr *client.TxError
	if errors.As(err, &txErr) {
		return false
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"not reachable", "connection refused", "not ready", "context deadline exceeded", "Unavailable"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
