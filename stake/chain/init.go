package chain

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"

	"cosmossdk.io/math"

	srvconfig "github.com/cosmos/cosmos-sdk/server/config"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/types"
)

// Account is a genesis account and its starting balance in ugpu.
type Account struct {
	Address string
	Balance math.Int
}

// Genesis is what a new chain starts with.
type Genesis struct {
	Params   types.Params
	Accounts []Account
}

// IsInitialized reports whether home already holds a genesis.
func IsInitialized(cfg Config) bool {
	_, err := os.Stat(cfg.genesisFile())
	return err == nil
}

// Init creates a one-validator home: CometBFT and app config, the node and
// consensus keys, and a genesis with the given accounts. It refuses to touch
// a home that already has a genesis. On failure it removes what it created.
func Init(cfg Config, gen Genesis) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if IsInitialized(cfg) {
		return fmt.Errorf("home %s: already initialized (%s exists); use another --home or remove it", cfg.Home, cfg.genesisFile())
	}
	if err := gen.Params.Validate(); err != nil {
		return err
	}
	_, statErr := os.Stat(cfg.Home)
	createdHome := errors.Is(statErr, os.ErrNotExist)
	defer func() {
		if err != nil && createdHome {
			_ = os.RemoveAll(cfg.Home)
		}
	}()
	if err := os.MkdirAll(cfg.configDir(), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", cfg.configDir(), err)
	}
	if err := os.MkdirAll(cfg.dataDir(), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", cfg.dataDir(), err)
	}

	cmt := cometConfig(cfg)
	cmtcfg.WriteConfigFile(cfg.cometFile(), cmt)
	srvconfig.WriteConfigFile(cfg.appFile(), appConfig(cfg))

	if _, err := p2p.LoadOrGenNodeKey(cmt.NodeKeyFile()); err != nil {
		return fmt.Errorf("create node key: %w", err)
	}
	pv := privval.LoadOrGenFilePV(cmt.PrivValidatorKeyFile(), cmt.PrivValidatorStateFile())
	pub, err := pv.GetPubKey()
	if err != nil {
		return fmt.Errorf("read consensus key: %w", err)
	}

	appState, err := genesisState(cfg, gen, types.Validator{Name: cfg.Moniker, PubKey: pub.Bytes(), Power: 10})
	if err != nil {
		return err
	}
	ag := genutiltypes.NewAppGenesisWithVersion(cfg.ChainID, appState)
	if err := ag.ValidateAndComplete(); err != nil {
		return fmt.Errorf("complete genesis: %w", err)
	}
	if err := ag.SaveAs(cfg.genesisFile()); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	return nil
}

func genesisState(cfg Config, gen Genesis, val types.Validator) (json.RawMessage, error) {
	enc := app.MakeEncodingConfig()
	state := app.DefaultGenesis(enc.Codec)

	var (
		accounts []authtypes.GenesisAccount
		balances []banktypes.Balance
		supply   = math.ZeroInt()
	)
	for i, a := range gen.Accounts {
		addr, err := enc.AddressCodec.StringToBytes(a.Address)
		if err != nil {
			return nil, fmt.Errorf("accounts[%d].address: %q is not a gpunet address: %w", i, a.Address, err)
		}
		if a.Balance.IsNil() || a.Balance.IsNegative() {
			return nil, fmt.Errorf("accounts[%d].balance: must not be negative", i)
		}
		accounts = append(accounts, authtypes.NewBaseAccount(addr, nil, uint64(i), 0))
		balances = append(balances, banktypes.Balance{Address: a.Address, Coins: types.Coins(a.Balance)})
		supply = supply.Add(a.Balance)
	}

	authGen := authtypes.NewGenesisState(authtypes.DefaultParams(), accounts)
	bz, err := enc.Codec.MarshalJSON(authGen)
	if err != nil {
		return nil, fmt.Errorf("encode auth genesis: %w", err)
	}
	state[authtypes.ModuleName] = bz

	bankGen := banktypes.DefaultGenesisState()
	bankGen.Balances = banktypes.SanitizeGenesisBalances(balances)
	bankGen.Supply = sdk.NewCoins(sdk.NewCoin(types.Denom, supply))
	bankGen.DenomMetadata = []banktypes.Metadata{{
		Description: "gpunet's native token",
		Base:        types.Denom,
		Display:     "gpu",
		Name:        "GPU",
		Symbol:      "GPU",
		DenomUnits: []*banktypes.DenomUnit{
			{Denom: types.Denom, Exponent: 0, Aliases: []string{"microgpu"}},
			{Denom: "gpu", Exponent: 6},
		},
	}}
	if bz, err = enc.Codec.MarshalJSON(bankGen); err != nil {
		return nil, fmt.Errorf("encode bank genesis: %w", err)
	}
	state[banktypes.ModuleName] = bz

	stakeGen := types.DefaultGenesis()
	stakeGen.Params = gen.Params
	stakeGen.Validators = []types.Validator{val}
	if err := stakeGen.Validate(); err != nil {
		return nil, err
	}
	if bz, err = enc.Codec.MarshalJSON(stakeGen); err != nil {
		return nil, fmt.Errorf("encode gpunet genesis: %w", err)
	}
	state[types.ModuleName] = bz

	out, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode app state: %w", err)
	}
	return out, nil
}

// cometConfig is CometBFT's config for a single local validator.
func cometConfig(cfg Config) *cmtcfg.Config {
	c := cmtcfg.DefaultConfig()
	c.SetRoot(cfg.Home)
	c.Moniker = cfg.Moniker
	c.RPC.ListenAddress = "tcp://" + cfg.RPCAddr
	c.P2P.ListenAddress = "tcp://" + cfg.P2PAddr
	c.P2P.PexReactor = false
	c.P2P.AllowDuplicateIP = true
	c.Consensus.TimeoutCommit = cfg.BlockTime
	c.Consensus.TimeoutPropose = 3 * cfg.BlockTime
	c.Instrumentation.Prometheus = false
	c.TxIndex.Indexer = "kv"
	return c
}

// appConfig is the SDK server's config: free transactions on a devnet,
// gRPC and REST on loopback.
func appConfig(cfg Config) *srvconfig.Config {
	c := srvconfig.DefaultConfig()
	c.MinGasPrices = "0" + types.Denom
	c.GRPC.Enable = true
	c.GRPC.Address = cfg.GRPCAddr
	c.API.Enable = true
	c.API.Address = "tcp://" + cfg.APIAddr
	c.GRPCWeb.Enable = false
	c.Pruning = "nothing"
	return c
}
