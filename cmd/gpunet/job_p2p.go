package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/gpunet/gpunet/node/chainlink"
	"github.com/gpunet/gpunet/node/p2p"
	"github.com/gpunet/gpunet/node/streams"
	"github.com/gpunet/gpunet/stake/types"
)

// dialProvider starts an ephemeral libp2p host (a fresh identity, listening
// on 127.0.0.1 only, the node's transports and security) and connects it to
// the provider registered on chain at address. Close the host when done.
func dialProvider(ctx context.Context, s *session, address string) (host.Host, peer.ID, error) {
	res, err := s.Query.Provider(ctx, &types.QueryProviderRequest{Address: address})
	if err != nil {
		return nil, "", fmt.Errorf("provider %s: %w", address, unwrap(err))
	}
	info, err := chainlink.AddrInfo(res.Provider)
	if err != nil {
		return nil, "", err
	}
	id := info.ID
	h, err := libp2p.New(
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.UserAgent(p2p.UserAgent),
	)
	if err != nil {
		return nil, "", fmt.Errorf("start libp2p host: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := h.Connect(cctx, info); err != nil {
		_ = h.Close()
		return nil, "", fmt.Errorf("connect to provider %s (peer %s) at %v: %w; is its node running and reachable from here?", address, id, info.Addrs, err)
	}
	return h, id, nil
}

// keyringSigner signs logs requests with a keyring key (streams.Signer).
type keyringSigner struct {
	kr   keyring.Keyring
	name string
}

var _ streams.Signer = keyringSigner{}

func (k keyringSigner) Sign(msg []byte) ([]byte, cryptotypes.PubKey, error) {
	return k.kr.Sign(k.name, msg, signing.SignMode_SIGN_MODE_DIRECT)
}

// jobProvider is the provider a job is leased to now, else the one that
// committed its last checkpoint.
func jobProvider(j types.Job) (string, error) {
	if j.Lease != nil && j.Lease.Provider != "" {
		return j.Lease.Provider, nil
	}
	if n := len(j.Checkpoints); n > 0 {
		return j.Checkpoints[n-1].Provider, nil
	}
	return "", errors.New("has had no provider yet")
}
