package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterInterfaces registers the module's messages with the interface registry.
func RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	ir.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterProvider{},
		&MsgUpdateProvider{},
		&MsgStake{},
		&MsgUnstake{},
		&MsgCreateJob{},
		&MsgCancelJob{},
		&MsgAcceptLease{},
		&MsgReportCheckpoints{},
		&MsgCompleteJob{},
		&MsgFailJob{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the amino names, which hardware wallets
// sign with (SIGN_MODE_LEGACY_AMINO_JSON).
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgRegisterProvider{}, "gpunet/MsgRegisterProvider")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateProvider{}, "gpunet/MsgUpdateProvider")
	legacy.RegisterAminoMsg(cdc, &MsgStake{}, "gpunet/MsgStake")
	legacy.RegisterAminoMsg(cdc, &MsgUnstake{}, "gpunet/MsgUnstake")
	legacy.RegisterAminoMsg(cdc, &MsgCreateJob{}, "gpunet/MsgCreateJob")
	legacy.RegisterAminoMsg(cdc, &MsgCancelJob{}, "gpunet/MsgCancelJob")
	legacy.RegisterAminoMsg(cdc, &MsgAcceptLease{}, "gpunet/MsgAcceptLease")
	legacy.RegisterAminoMsg(cdc, &MsgReportCheckpoints{}, "gpunet/MsgReportCheckpoints")
	legacy.RegisterAminoMsg(cdc, &MsgCompleteJob{}, "gpunet/MsgCompleteJob")
	legacy.RegisterAminoMsg(cdc, &MsgFailJob{}, "gpunet/MsgFailJob")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "gpunet/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "gpunet/x/stake/Params", nil)
}
