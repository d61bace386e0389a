package app

import (
	"encoding/json"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	nodeservice "github.com/cosmos/cosmos-sdk/client/grpc/node"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	"github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/x/auth"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/bank"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/consensus"
	consensuskeeper "github.com/cosmos/cosmos-sdk/x/consensus/keeper"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"

	stakekeeper "github.com/gpunet/gpunet/stake/keeper"
	stakemodule "github.com/gpunet/gpunet/stake/module"
	staketypes "github.com/gpunet/gpunet/stake/types"
)

// Name is the application's name in ABCI info and node status.
const Name = "gpunet"

// maccPerms are the module accounts and what each may do. The gpunet
// account burns slashed stake.
var maccPerms = map[string][]string{
	authtypes.FeeCollectorName: nil,
	staketypes.ModuleName:      {authtypes.Burner},
}

// App is the gpunet chain.
type App struct {
	*baseapp.BaseApp

	enc    EncodingConfig
	keys   map[string]*storetypes.KVStoreKey
	mm     *module.Manager
	basics module.BasicManager

	AccountKeeper   authkeeper.AccountKeeper
	BankKeeper      bankkeeper.BaseKeeper
	ConsensusKeeper consensuskeeper.Keeper
	StakeKeeper     stakekeeper.Keeper

	// checkInvariant, when set, verifies the module invariant after every
	// block and halts the chain if it breaks.
	checkInvariant bool
	afterEndBlock  func(sdk.Context) error
}

var _ servertypes.Application = (*App)(nil)

// Options are the app's own settings.
type Options struct {
	// CheckInvariants verifies bonded + unbonding + escrow = module balance
	// at the end of every block (a full walk of state: for devnets and tests).
	CheckInvariants bool
	// AfterEndBlock, when set, runs inside consensus after the modules'
	// EndBlockers, on every node alike. It is the seam for tests and tools
	// that must change state the way a block does (e.g. a slash) before the
	// messages that trigger it exist.
	AfterEndBlock func(sdk.Context) error
}

// New builds the app on db. baseAppOptions come from the server config
// (pruning, minimum gas prices, chain ID).
func New(logger log.Logger, db dbm.DB, opts Options, baseAppOptions ...func(*baseapp.BaseApp)) *App {
	enc := MakeEncodingConfig()
	bApp := baseapp.NewBaseApp(Name, logger, db, enc.TxConfig.TxDecoder(), baseAppOptions...)
	bApp.SetInterfaceRegistry(enc.InterfaceRegistry)
	bApp.SetTxEncoder(enc.TxConfig.TxEncoder())

	keys := storetypes.NewKVStoreKeys(authtypes.StoreKey, banktypes.StoreKey, consensustypes.StoreKey, staketypes.StoreKey)
	a := &App{BaseApp: bApp, enc: enc, keys: keys, basics: basics(), checkInvariant: opts.CheckInvariants, afterEndBlock: opts.AfterEndBlock}

	// No x/gov is wired, so params change only through genesis; the gov
	// address stays the authority so adding governance later needs no migration.
	authority := authtypes.NewModuleAddress("gov").String()

	a.ConsensusKeeper = consensuskeeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(keys[consensustypes.StoreKey]), authority, runtime.EventService{})
	bApp.SetParamStore(a.ConsensusKeeper.ParamsStore)

	a.AccountKeeper = authkeeper.NewAccountKeeper(enc.Codec, runtime.NewKVStoreService(keys[authtypes.StoreKey]),
		authtypes.ProtoBaseAccount, maccPerms, enc.AddressCodec, AccountAddressPrefix, authority)
	a.BankKeeper = bankkeeper.NewBaseKeeper(enc.Codec, runtime.NewKVStoreService(keys[banktypes.StoreKey]),
		a.AccountKeeper, blockedAddrs(), authority, logger)
	a.StakeKeeper = stakekeeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(keys[staketypes.StoreKey]),
		enc.AddressCodec, a.BankKeeper, authority)

	a.mm = module.NewManager(
		auth.NewAppModule(enc.Codec, a.AccountKeeper, nil, nil),
		bank.NewAppModule(enc.Codec, a.BankKeeper, a.AccountKeeper, nil),
		consensus.NewAppModule(enc.Codec, a.ConsensusKeeper),
		stakemodule.NewAppModule(a.StakeKeeper),
	)
	order := []string{authtypes.ModuleName, banktypes.ModuleName, consensustypes.ModuleName, staketypes.ModuleName}
	a.mm.SetOrderInitGenesis(order...)
	a.mm.SetOrderExportGenesis(order...)
	a.mm.SetOrderEndBlockers(banktypes.ModuleName, staketypes.ModuleName)

	cfg := module.NewConfigurator(enc.Codec, bApp.MsgServiceRouter(), bApp.GRPCQueryRouter())
	if err := a.mm.RegisterServices(cfg); err != nil {
		panic(fmt.Errorf("register services: %w", err)) // wiring bug
	}

	anteHandler, err := ante.NewAnteHandler(ante.HandlerOptions{
		AccountKeeper:   a.AccountKeeper,
		BankKeeper:      a.BankKeeper,
		SignModeHandler: enc.TxConfig.SignModeHandler(),
		SigGasConsumer:  ante.DefaultSigVerificationGasConsumer,
	})
	if err != nil {
		panic(fmt.Errorf("ante handler: %w", err)) // wiring bug
	}
	bApp.SetAnteHandler(anteHandler)
	bApp.SetInitChainer(a.initChainer)
	bApp.SetEndBlocker(a.endBlocker)
	bApp.MountKVStores(keys)
	return a
}

func blockedAddrs() map[string]bool {
	out := make(map[string]bool, len(maccPerms))
	for name := range maccPerms {
		out[authtypes.NewModuleAddress(name).String()] = true
	}
	return out
}

// Load opens the latest committed state.
func (a *App) Load() error {
	if err := a.LoadLatestVersion(); err != nil {
		return fmt.Errorf("load latest state: %w", err)
	}
	return nil
}

func (a *App) initChainer(ctx sdk.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(req.AppStateBytes, &state); err != nil {
		return nil, fmt.Errorf("decode app state: %w", err)
	}
	return a.mm.InitGenesis(ctx, a.enc.Codec, state)
}

func (a *App) endBlocker(ctx sdk.Context) (sdk.EndBlock, error) {
	res, err := a.mm.EndBlock(ctx)
	if err != nil {
		return res, err
	}
	if a.afterEndBlock != nil {
		// The modules' events are already collected in res; the hook's go
		// on the same list so a slash it makes is announced like any other.
		em := sdk.NewEventManager()
		if err := a.afterEndBlock(ctx.WithEventManager(em)); err != nil {
			return res, fmt.Errorf("after end block: %w", err)
		}
		res.Events = append(res.Events, em.ABCIEvents()...)
	}
	if a.checkInvariant {
		if err := a.StakeKeeper.CheckInvariant(ctx); err != nil {
			// Consensus-invariant check: a broken ledger must halt the chain
			// rather than keep building on it.
			panic(fmt.Errorf("height %d: %w", ctx.BlockHeight(), err))
		}
	}
	return res, nil
}

// Encoding returns the app's codecs.
func (a *App) Encoding() EncodingConfig { return a.enc }

// DefaultGenesis is every module's default genesis.
func (a *App) DefaultGenesis() map[string]json.RawMessage { return DefaultGenesis(a.enc.Codec) }

// DefaultGenesis is every module's default genesis, without building an app.
func DefaultGenesis(cdc codec.JSONCodec) map[string]json.RawMessage {
	return basics().DefaultGenesis(cdc)
}

// RegisterAPIRoutes registers the REST gateway routes.
func (a *App) RegisterAPIRoutes(apiSvr *api.Server, _ config.APIConfig) {
	clientCtx := apiSvr.ClientCtx
	authtx.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	cmtservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	nodeservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	a.basics.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
}

// RegisterTxService registers tx simulation and lookup over gRPC.
func (a *App) RegisterTxService(clientCtx client.Context) {
	authtx.RegisterTxService(a.GRPCQueryRouter(), clientCtx, a.Simulate, a.enc.InterfaceRegistry)
}

// RegisterTendermintService registers the CometBFT queries over gRPC.
func (a *App) RegisterTendermintService(clientCtx client.Context) {
	cmtservice.RegisterTendermintService(clientCtx, a.GRPCQueryRouter(), a.enc.InterfaceRegistry, server.NewCometABCIWrapper(a).Query)
}

// RegisterNodeService registers the node's status query.
func (a *App) RegisterNodeService(clientCtx client.Context, cfg config.Config) {
	nodeservice.RegisterNodeService(clientCtx, a.GRPCQueryRouter(), cfg, func() int64 {
		return a.CommitMultiStore().EarliestVersion()
	})
}
