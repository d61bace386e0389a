package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/client"
)

const defaultGRPCAddr = "127.0.0.1:9090"

// addChainFlags adds the flags of a command that talks to the chain.
func addChainFlags(cmd *cobra.Command, signs bool) {
	cmd.Flags().String(flagGRPC, defaultGRPCAddr, "the node's gRPC address (host:port)")
	cmd.Flags().String(flagChainID, "", "chain ID to sign for (default: ask the node)")
	if signs {
		cmd.Flags().String(flagFrom, "", "name of the key that signs (see `gpunet keys list`)")
	}
	cmd.Flags().Duration("timeout", 60*time.Second, "how long to wait for the chain")
}

// openKeyring opens the keyring in --home with --keyring-backend.
func openKeyring(cmd *cobra.Command) (keyring.Keyring, error) {
	home, _ := cmd.Flags().GetString(flagHome)
	backend, _ := cmd.Flags().GetString(flagKeyringBackend)
	kr, err := keyring.New("gpunet", backend, home, cmd.InOrStdin(), app.MakeEncodingConfig().Codec)
	if err != nil {
		return nil, fmt.Errorf("--keyring-backend %s in %s: %w", backend, home, err)
	}
	return kr, nil
}

// session is a command's link to the chain.
type session struct {
	*client.Client
	ctx    context.Context
	cancel context.CancelFunc
}

func (s *session) Close() {
	s.cancel()
	_ = s.Client.Close()
}

// connect dials the node named by the flags and learns its chain ID.
func connect(cmd *cobra.Command) (*session, error) {
	addr, _ := cmd.Flags().GetString(flagGRPC)
	chainID, _ := cmd.Flags().GetString(flagChainID)
	timeout, _ := cmd.Flags().GetDuration("timeout")
	kr, err := openKeyring(cmd)
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(client.Config{GRPCAddr: addr, ChainID: chainID, Keyring: kr})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	s := &session{Client: c, ctx: ctx, cancel: cancel}
	if err := c.EnsureChainID(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// from returns the --from key name, or a usage error.
func from(cmd *cobra.Command) (string, error) {
	name, _ := cmd.Flags().GetString(flagFrom)
	if name == "" {
		return "", usageError{errNoFrom}
	}
	return name, nil
}

// signed is a transaction that landed, and who signed it.
type signed struct {
	*client.TxResult
	Key     string // --from
	Address string
}

// sendTx signs the message built for --from's address, broadcasts it and
// waits for it in a block. Arguments are checked before this is called, so
// a mistake costs no round trip.
func sendTx(cmd *cobra.Command, build func(signer string) sdk.Msg) (*signed, error) {
	name, err := from(cmd)
	if err != nil {
		return nil, err
	}
	s, err := connect(cmd)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	addr, err := s.Address(name)
	if err != nil {
		return nil, err
	}
	res, err := s.Send(s.ctx, name, build(addr.String()))
	if err != nil {
		return nil, err
	}
	return &signed{TxResult: res, Key: name, Address: addr.String()}, nil
}
