package chainlink

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/types"
)

// ErrNotRegistered means the chain has no provider at that address.
var ErrNotRegistered = errors.New("not a registered provider")

// Registry answers which peer ID a chain address registered, from chain
// state. Callers cache; the Watcher tells them when an entry changed.
type Registry struct {
	client *client.Client
}

// NewRegistry reads the provider registry through c.
func NewRegistry(c *client.Client) *Registry { return &Registry{client: c} }

// PeerIDOf returns the peer ID registered for chainAddress.
func (r *Registry) PeerIDOf(ctx context.Context, chainAddress string) (peer.ID, error) {
	res, err := r.client.Query.Provider(ctx, &types.QueryProviderRequest{Address: chainAddress})
	switch {
	case status.Code(err) == codes.NotFound:
		return "", fmt.Errorf("%s: %w", chainAddress, ErrNotRegistered)
	case status.Code(err) == codes.InvalidArgument:
		return "", fmt.Errorf("%s: %w: %v", chainAddress, ErrNotRegistered, client.Unwrap(err))
	case err != nil:
		return "", fmt.Errorf("look up provider %s: %w", chainAddress, client.Unwrap(err))
	}
	id, err := peer.Decode(res.Provider.PeerId)
	if err != nil {
		return "", fmt.Errorf("provider %s registered peer ID %q, which does not parse: %w", chainAddress, res.Provider.PeerId, err)
	}
	return id, nil
}

// AddrInfo is how to reach a registered provider over libp2p: its peer ID
// and the transport parts of its registered multiaddrs (a trailing /p2p/ID
// is dropped; addresses that do not parse are skipped).
func AddrInfo(p types.Provider) (peer.AddrInfo, error) {
	id, err := peer.Decode(p.PeerId)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("provider %s: registered peer ID %q: %w", p.Address, p.PeerId, err)
	}
	info := peer.AddrInfo{ID: id}
	for _, a := range p.Multiaddrs {
		m, err := ma.NewMultiaddr(a)
		if err != nil {
			continue
		}
		if transport, _ := peer.SplitAddr(m); transport != nil {
			info.Addrs = append(info.Addrs, transport)
		}
	}
	if len(info.Addrs) == 0 {
		return info, fmt.Errorf("provider %s (peer %s) has no usable address on chain; its node registers them when it starts", p.Address, id)
	}
	return info, nil
}
