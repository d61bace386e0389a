package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, its store key and its module account.
	ModuleName = "gpunet"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
	// Denom is the native token's base denomination (1 GPU = 10^6 ugpu).
	Denom = "ugpu"
)

// Store prefixes, one per collection. They are part of consensus: never
// renumber one that has shipped.
var (
	ParamsKey             = collections.NewPrefix(0)
	ProvidersKey          = collections.NewPrefix(1)
	StakesKey             = collections.NewPrefix(2)
	UnbondingKey          = collections.NewPrefix(3)
	UnbondingByAddressKey = collections.NewPrefix(4)
	UnbondingByTimeKey    = collections.NewPrefix(5)
	NextUnbondingIDKey    = collections.NewPrefix(6)
	JobsKey               = collections.NewPrefix(7)
	JobsByClientKey       = collections.NewPrefix(8)
	JobsByStatusKey       = collections.NewPrefix(9)
	NextJobIDKey          = collections.NewPrefix(10)
	ValidatorsKey         = collections.NewPrefix(11)
	ProvidersByPeerIDKey  = collections.NewPrefix(12)
	JobsByProviderKey     = collections.NewPrefix(13)
	JobsByHeightDueKey    = collections.NewPrefix(14)
	JobsByTimeDueKey      = collections.NewPrefix(15)
)
