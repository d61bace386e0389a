package app

import (
	"sync"

	"cosmossdk.io/core/address"
	"github.com/cosmos/cosmos-sdk/x/tx/signing"
	"github.com/cosmos/gogoproto/proto"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/std"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/x/auth"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	"github.com/cosmos/cosmos-sdk/x/bank"
	"github.com/cosmos/cosmos-sdk/x/consensus"

	stakemodule "github.com/gpunet/gpunet/stake/module"
)

// Bech32 prefixes of gpunet addresses.
const (
	AccountAddressPrefix   = "gpunet"
	ValidatorAddressPrefix = "gpunetvaloper"
	ConsensusAddressPrefix = "gpunetvalcons"
	// CoinType is BIP-44's for the Cosmos ecosystem, so keys derive as usual.
	CoinType = 118
)

var configOnce sync.Once

// SetAddressPrefixes sets the SDK's process-wide bech32 prefixes. The SDK
// still reads them from a global in places (sdk.AccAddress.String), so every
// entry point calls this before touching an address.
func SetAddressPrefixes() {
	configOnce.Do(func() {
		cfg := sdk.GetConfig()
		cfg.SetBech32PrefixForAccount(AccountAddressPrefix, AccountAddressPrefix+"pub")
		cfg.SetBech32PrefixForValidator(ValidatorAddressPrefix, ValidatorAddressPrefix+"pub")
		cfg.SetBech32PrefixForConsensusNode(ConsensusAddressPrefix, ConsensusAddressPrefix+"pub")
		cfg.SetCoinType(CoinType)
		cfg.Seal()
	})
}

// EncodingConfig is the codec set a client or the app needs.
type EncodingConfig struct {
	InterfaceRegistry codectypes.InterfaceRegistry
	Codec             codec.Codec
	TxConfig          client.TxConfig
	Amino             *codec.LegacyAmino
	AddressCodec      address.Codec
}

// basics lists the modules for codec registration and default genesis.
func basics() module.BasicManager {
	return module.NewBasicManager(
		auth.AppModule{},
		bank.AppModule{},
		consensus.AppModule{},
		stakemodule.AppModule{},
	)
}

// MakeEncodingConfig builds the codecs with every module's types registered.
func MakeEncodingConfig() EncodingConfig {
	SetAddressPrefixes()
	ac := addresscodec.NewBech32Codec(AccountAddressPrefix)
	ir, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: proto.HybridResolver,
		SigningOptions: signing.Options{
			AddressCodec:          ac,
			ValidatorAddressCodec: addresscodec.NewBech32Codec(ValidatorAddressPrefix),
		},
	})
	if err != nil {
		panic(err) // wiring bug
	}
	amino := codec.NewLegacyAmino()
	std.RegisterLegacyAminoCodec(amino)
	std.RegisterInterfaces(ir)
	b := basics()
	b.RegisterLegacyAminoCodec(amino)
	b.RegisterInterfaces(ir)
	cdc := codec.NewProtoCodec(ir)
	return EncodingConfig{
		InterfaceRegistry: ir,
		Codec:             cdc,
		TxConfig:          authtx.NewTxConfig(cdc, authtx.DefaultSignModes),
		Amino:             amino,
		AddressCodec:      ac,
	}
}
