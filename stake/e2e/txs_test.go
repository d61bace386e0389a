package e2e

import (
	"errors"
	"strings"
	"testing"

	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gpunet/gpunet/stake/client"
)

// send signs and sends msgs with key's key through the client and fails the
// test unless they land in a block.
func (c *chain) send(key string, msgs ...sdk.Msg) *client.TxResult {
	c.t.Helper()
	res, err := c.Client.Send(c.ctx, key, msgs...)
	if err != nil {
		c.t.Fatalf("%s sends %s: %v", key, msgNames(msgs), err)
	}
	return res
}

func msgNames(msgs []sdk.Msg) string {
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = sdk.MsgTypeURL(m)
	}
	return strings.Join(names, ",")
}

// sendRaw signs msgs with key's key and broadcasts them WITHOUT the client's
// local ValidateBasic and simulation, so the chain itself (CheckTx, then the
// block) judges them. It returns nil only for a transaction that executed.
func (c *chain) sendRaw(key string, msgs ...sdk.Msg) error {
	c.t.Helper()
	enc := c.Client.Encoding()
	addr, err := c.Client.Address(key)
	if err != nil {
		c.t.Fatal(err)
	}
	accRes, err := c.Client.Auth.Account(c.ctx, &authtypes.QueryAccountRequest{Address: c.Addr(key)})
	if err != nil {
		c.t.Fatalf("account %s (%s): %v", key, addr, err)
	}
	var acc sdk.AccountI
	if err := enc.InterfaceRegistry.UnpackAny(accRes.Account, &acc); err != nil {
		c.t.Fatalf("decode account %s: %v", key, err)
	}
	txf := clienttx.Factory{}.
		WithTxConfig(enc.TxConfig).
		WithKeybase(c.Keyring).
		WithChainID(c.Node.ChainID).
		WithAccountNumber(acc.GetAccountNumber()).
		WithSequence(acc.GetSequence()).
		WithGas(2_000_000).
		WithSignMode(signing.SignMode_SIGN_MODE_DIRECT)
	builder, err := txf.BuildUnsignedTx(msgs...)
	if err != nil {
		c.t.Fatalf("build tx: %v", err)
	}
	if err := clienttx.Sign(c.ctx, txf, key, builder, true); err != nil {
		c.t.Fatalf("sign tx: %v", err)
	}
	bz, err := enc.TxConfig.TxEncoder()(builder.GetTx())
	if err != nil {
		c.t.Fatalf("encode tx: %v", err)
	}
	res, err := c.Client.Tx.BroadcastTx(c.ctx, &txtypes.BroadcastTxRequest{TxBytes: bz, Mode: txtypes.BroadcastMode_BROADCAST_MODE_SYNC})
	if err != nil {
		c.t.Fatalf("broadcast: %v", err)
	}
	if r := res.TxResponse; r.Code != 0 {
		return &client.TxError{Hash: r.TxHash, Code: r.Code, Codespace: r.Codespace, Reason: r.RawLog}
	}
	_, err = c.Client.WaitTx(c.ctx, res.TxResponse.TxHash)
	return err
}

// requireTxError fails the test unless err is a *client.TxError whose
// reason names field (as "field:").
func requireTxError(t *testing.T, what string, err error, field string) *client.TxError {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted, want a refusal naming %q", what, field)
	}
	var txErr *client.TxError
	if !errors.As(err, &txErr) {
		t.Fatalf("%s: error %T %q is not a *client.TxError", what, err, err)
	}
	if !strings.Contains(txErr.Reason, field+":") {
		t.Fatalf("%s: reason %q does not name the field %q", what, txErr.Reason, field)
	}
	return txErr
}
