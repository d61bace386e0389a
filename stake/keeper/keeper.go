package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/gogoproto/proto"

	"github.com/gpunet/gpunet/stake/types"
)

// Keeper holds the module's state. Its collections are the schema: each
// index below is kept in step with its primary map by the keeper alone.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	bank         types.BankKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]

	Providers         collections.Map[sdk.AccAddress, types.Provider]
	ProvidersByPeerID collections.Map[string, []byte]

	// Stakes is bonded stake by (address, role).
	Stakes collections.Map[collections.Pair[sdk.AccAddress, int32], math.Int]

	Unbonding          collections.Map[uint64, types.UnbondingEntry]
	UnbondingByAddress collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// UnbondingByTime, keyed by completion time in Unix nanoseconds, lets
	// the EndBlocker visit only the entries that are due.
	UnbondingByTime collections.KeySet[collections.Pair[int64, uint64]]
	NextUnbondingID collections.Sequence

	Jobs         collections.Map[uint64, types.Job]
	JobsByClient collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	JobsByStatus collections.KeySet[collections.Pair[int32, uint64]]
	NextJobID    collections.Sequence
	// JobsByProvider holds the jobs leased to a provider now (LEASED, RUNNING).
	JobsByProvider collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// JobsByHeightDue and JobsByTimeDue (Unix nanoseconds) hold each job's
	// next deadline, so the EndBlocker visits only the jobs that are due.
	JobsByHeightDue collections.KeySet[collections.Pair[int64, uint64]]
	JobsByTimeDue   collections.KeySet[collections.Pair[int64, uint64]]

	// Validators is the fixed consensus set, kept so genesis export is whole.
	Validators collections.Map[[]byte, types.Validator]
}

// NewKeeper wires the schema. authority is the only address allowed to
// change params.
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, ac address.Codec, bank types.BankKeeper, authority string) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	addrRole := collections.PairKeyCodec(sdk.AccAddressKey, collections.Int32Key)
	k := Keeper{
		cdc:          cdc,
		addressCodec: ac,
		authority:    authority,
		bank:         bank,

		Params:             collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Providers:          collections.NewMap(sb, types.ProvidersKey, "providers", sdk.AccAddressKey, codec.CollValue[types.Provider](cdc)),
		ProvidersByPeerID:  collections.NewMap(sb, types.ProvidersByPeerIDKey, "providers_by_peer_id", collections.StringKey, collections.BytesValue),
		Stakes:             collections.NewMap(sb, types.StakesKey, "stakes", addrRole, sdk.IntValue),
		Unbonding:          collections.NewMap(sb, types.UnbondingKey, "unbonding", collections.Uint64Key, codec.CollValue[types.UnbondingEntry](cdc)),
		UnbondingByAddress: collections.NewKeySet(sb, types.UnbondingByAddressKey, "unbonding_by_address", collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		UnbondingByTime:    collections.NewKeySet(sb, types.UnbondingByTimeKey, "unbonding_by_time", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		NextUnbondingID:    collections.NewSequence(sb, types.NextUnbondingIDKey, "next_unbonding_id"),
		Jobs:               collections.NewMap(sb, types.JobsKey, "jobs", collections.Uint64Key, codec.CollValue[types.Job](cdc)),
		JobsByClient:       collections.NewKeySet(sb, types.JobsByClientKey, "jobs_by_client", collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		JobsByStatus:       collections.NewKeySet(sb, types.JobsByStatusKey, "jobs_by_status", collections.PairKeyCodec(collections.Int32Key, collections.Uint64Key)),
		NextJobID:          collections.NewSequence(sb, types.NextJobIDKey, "next_job_id"),
		JobsByProvider:     collections.NewKeySet(sb, types.JobsByProviderKey, "jobs_by_provider", collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		JobsByHeightDue:    collections.NewKeySet(sb, types.JobsByHeightDueKey, "jobs_by_height_due", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		JobsByTimeDue:      collections.NewKeySet(sb, types.JobsByTimeDueKey, "jobs_by_time_due", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		Validators:         collections.NewMap(sb, types.ValidatorsKey, "validators", collections.BytesKey, codec.CollValue[types.Validator](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(fmt.Sprintf("gpunet keeper schema: %v", err)) // wiring bug
	}
	k.Schema = schema
	return k
}

// Authority is the address allowed to send MsgUpdateParams.
func (k Keeper) Authority() string { return k.authority }

// AddressCodec encodes and decodes account addresses.
func (k Keeper) AddressCodec() address.Codec { return k.addressCodec }

// decodeAddress parses a bech32 address once and, only when it is bad,
// builds the error that names the field.
func (k Keeper) decodeAddress(field, addr string) (sdk.AccAddress, error) {
	if addr == "" {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: missing address; sign with --from KEY or pass a gpunet1... address", field)
	}
	bz, err := k.addressCodec.StringToBytes(addr)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %q is not a gpunet address (%v); use `gpunet keys show NAME -a`", field, addr, err)
	}
	return bz, nil
}

func (k Keeper) encodeAddress(addr sdk.AccAddress) string {
	s, err := k.addressCodec.BytesToString(addr)
	if err != nil {
		panic(fmt.Sprintf("encode address: %v", err)) // only for addresses decoded from state
	}
	return s
}

func (k Keeper) emit(ctx context.Context, ev proto.Message) error {
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(ev); err != nil {
		return fmt.Errorf("emit %T: %w", ev, err)
	}
	return nil
}
