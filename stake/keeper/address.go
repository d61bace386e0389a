package keeper

import (
	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gpunet/gpunet/stake/types"
)

type collectionsPair = collections.Pair[sdk.AccAddress, int32]

func moduleAddressBytes() []byte { return authtypes.NewModuleAddress(types.ModuleName) }
