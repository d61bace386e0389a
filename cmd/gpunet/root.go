package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"cosmossdk.io/client/v2/autocli"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/keys"
	"github.com/cosmos/cosmos-sdk/codec/address"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gpunet/gpunet/stake/app"
)

// Flag names follow the Cosmos SDK's, so its keys, tx and query trees and
// our commands read the same flags.
const (
	flagHome           = flags.FlagHome
	flagOutput         = flags.FlagOutput
	flagKeyringBackend = flags.FlagKeyringBackend
	flagChainID        = flags.FlagChainID
	flagGRPC           = flags.FlagGRPC
	flagFrom           = flags.FlagFrom
)

// DefaultHome is where the devnet keeps its chain and keys, and so where
// every client command looks by default.
func DefaultHome() string {
	if h := os.Getenv("GPUNET_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".gpunet/devnet"
	}
	return filepath.Join(dir, ".gpunet", "devnet")
}

func newRootCmd() *cobra.Command {
	app.SetAddressPrefixes()
	enc := app.MakeEncodingConfig()
	initCtx := client.Context{}.
		WithCodec(enc.Codec).
		WithInterfaceRegistry(enc.InterfaceRegistry).
		WithTxConfig(enc.TxConfig).
		WithLegacyAmino(enc.Amino).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(DefaultHome()).
		WithKeyringDir(DefaultHome()).
		WithViper("GPUNET")

	root := &cobra.Command{
		Use:           "gpunet",
		Short:         "gpunet: a decentralized GPU compute network for ML training",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutputFlag(cmd); err != nil {
				return err
			}
			ctx, err := client.ReadPersistentCommandFlags(initCtx, cmd.Flags())
			if err != nil {
				return err
			}
			if ctx.KeyringDir == "" {
				ctx = ctx.WithKeyringDir(ctx.HomeDir)
			}
			return client.SetCmdClientContextHandler(ctx, cmd)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.String(flagHome, DefaultHome(), "directory of the chain and the keyring (env GPUNET_HOME)")
	pf.StringP(flagOutput, "o", "text", "output format: text or json")
	pf.String(flagKeyringBackend, "test", "keyring backend: test (devnet), file or os")

	root.AddCommand(
		devnetCmd(),
		chainCmd(),
		stakeCmd(),
		providerCmd(),
		jobCmd(),
		runCmd(),
		statusCmd(),
		gpusCmd(),
		offersCmd(),
		versionCmd(),
		keys.Commands(),
	)

	mods, modOpts := app.AutoCLIModules()
	autoOpts := autocli.AppOptions{
		Modules:               mods,
		ModuleOptions:         modOpts,
		AddressCodec:          address.NewBech32Codec(app.AccountAddressPrefix),
		ValidatorAddressCodec: address.NewBech32Codec(app.ValidatorAddressPrefix),
		ConsensusAddressCodec: address.NewBech32Codec(app.ConsensusAddressPrefix),
		ClientCtx:             initCtx,
	}
	if err := autoOpts.EnhanceRootCommand(root); err != nil {
		panic(fmt.Errorf("autocli: %w", err)) // wiring bug
	}
	return root
}

// exactArgs is cobra.ExactArgs with a usage error that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("expected %s (%d argument(s)), got %d", names, n, len(args))}
		}
		return nil
	}
}

func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "required flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

var errNoFrom = errors.New("--from: missing; name the key that signs, e.g. --from provider1 (see `gpunet keys list`)")
