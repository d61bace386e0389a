package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/types"
)

// Config says which chain to talk to and which keys sign.
type Config struct {
	GRPCAddr string
	ChainID  string
	Keyring  keyring.Keyring
	// GasAdjustment scales the simulated gas; 1.3 leaves room for state
	// changing between simulation and execution.
	GasAdjustment float64
	// PollInterval is how often to look for a broadcast transaction.
	PollInterval time.Duration
}

// Client signs and sends transactions and reads state.
type Client struct {
	mu   sync.Mutex // guards cfg.ChainID, learnt lazily
	cfg  Config
	conn *grpc.ClientConn
	enc  app.EncodingConfig

	Query types.QueryClient
	Bank  banktypes.QueryClient
	Auth  authtypes.QueryClient
	Tx    txtypes.ServiceClient
}

// Dial connects to a node's gRPC server. No I/O happens until the first call.
func Dial(cfg Config) (*Client, error) {
	if cfg.GRPCAddr == "" {
		return nil, errors.New("grpc address: missing; pass --node-grpc HOST:PORT (the devnet prints it)")
	}
	if cfg.GasAdjustment == 0 {
		cfg.GasAdjustment = 1.3
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	enc := app.MakeEncodingConfig()
	conn, err := grpc.NewClient(cfg.GRPCAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(enc.InterfaceRegistry).GRPCCodec())))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.GRPCAddr, err)
	}
	return &Client{
		cfg: cfg, conn: conn, enc: enc,
		Query: types.NewQueryClient(conn),
		Bank:  banktypes.NewQueryClient(conn),
		Auth:  authtypes.NewQueryClient(conn),
		Tx:    txtypes.NewServiceClient(conn),
	}, nil
}

// Conn is the gRPC connection, for services this client does not wrap.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// EnsureChainID asks the node for the chain ID to sign for, unless the
// config named one. A daemon calls it before each send, so it can start
// while the chain is still down.
func (c *Client) EnsureChainID(ctx context.Context) error {
	c.mu.Lock()
	known := c.cfg.ChainID != ""
	c.mu.Unlock()
	if known {
		return nil
	}
	info, err := cmtservice.NewServiceClient(c.conn).GetNodeInfo(ctx, &cmtservice.GetNodeInfoRequest{})
	if err != nil {
		return Unwrap(fmt.Errorf("ask %s for its chain ID: %w", c.cfg.GRPCAddr, err))
	}
	c.mu.Lock()
	c.cfg.ChainID = info.DefaultNodeInfo.Network
	c.mu.Unlock()
	return nil
}

func (c *Client) chainID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.ChainID
}

// Close releases the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Encoding returns the codecs the client uses.
func (c *Client) Encoding() app.EncodingConfig { return c.enc }

// Address returns the address of a key in the keyring.
func (c *Client) Address(keyName string) (sdk.AccAddress, error) {
	if c.cfg.Keyring == nil {
		return nil, errors.New("keyring: none configured; pass --home and --keyring-backend")
	}
	rec, err := c.cfg.Keyring.Key(keyName)
	if err != nil {
		return nil, fmt.Errorf("--from %s: no such key in the keyring (%v); list keys with `gpunet keys list`", keyName, err)
	}
	return rec.GetAddress()
}

// Balance is addr's spendable balance of the native denom.
func (c *Client) Balance(ctx context.Context, addr string) (sdk.Coin, error) {
	res, err := c.Bank.Balance(ctx, &banktypes.QueryBalanceRequest{Address: addr, Denom: types.Denom})
	if err != nil {
		return sdk.Coin{}, Unwrap(fmt.Errorf("query balance of %s: %w", addr, err))
	}
	return *res.Balance, nil
}

// TxResult is a transaction as it landed in a block.
type TxResult struct {
	Hash   string
	Height int64
	Code   uint32
	Log    string
	// Response is the decoded response of each message, in order.
	Responses []gogoproto.Message
	Events    []Event
	GasUsed   int64
}

// Event is a typed event a transaction emitted, attributes in order.
type Event struct {
	Type       string
	Attributes [][2]string
}

// TxError is a transaction the chain refused, with its reason.
type TxError struct {
	Hash      string
	Code      uint32
	Codespace string
	Reason    string
}

func (e *TxError) Error() string { return e.Reason }

// wrongSequence: the account's sequence moved since we read it. Simulation
// reports it only in its message, without the code.
func (e *TxError) wrongSequence() bool {
	return (e.Codespace == sdkerrors.RootCodespace && e.Code == sdkerrors.ErrWrongSequence.ABCICode()) ||
		strings.Contains(e.Reason, "account sequence mismatch")
}

// Send signs msgs with keyName's key, broadcasts them and waits until they
// are in a block. A refusal, at CheckTx or in the block, is a *TxError whose
// message is the chain's, trimmed of plumbing. When another process signs
// with the same key at the same moment (a provider daemon and its owner's
// CLI), the account sequence moves under us: Send signs again with the new
// one, a few times.
func (c *Client) Send(ctx context.Context, keyName string, msgs ...sdk.Msg) (*TxResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := c.send(ctx, keyName, msgs...)
		var txErr *TxError
		if attempt >= 4 || !errors.As(err, &txErr) || !txErr.wrongSequence() {
			return res, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt) * c.cfg.PollInterval):
		}
	}
}

func (c *Client) send(ctx context.Context, keyName string, msgs ...sdk.Msg) (*TxResult, error) {
	addr, err := c.Address(keyName)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if v, ok := m.(sdk.HasValidateBasic); ok {
			if err := v.ValidateBasic(); err != nil {
				return nil, &TxError{Reason: cleanReason(err.Error())}
			}
		}
	}
	if err := c.EnsureChainID(ctx); err != nil {
		return nil, err
	}
	acc, err := c.account(ctx, addr)
	if err != nil {
		return nil, err
	}
	txf := clienttx.Factory{}.
		WithTxConfig(c.enc.TxConfig).
		WithKeybase(c.cfg.Keyring).
		WithFromName(keyName).
		WithChainID(c.chainID()).
		WithAccountNumber(acc.GetAccountNumber()).
		WithSequence(acc.GetSequence()).
		WithSimulateAndExecute(true).
		WithSignMode(signing.SignMode_SIGN_MODE_DIRECT)

	simBytes, err := txf.BuildSimTx(msgs...)
	if err != nil {
		return nil, fmt.Errorf("build simulation tx: %w", err)
	}
	sim, err := c.Tx.Simulate(ctx, &txtypes.SimulateRequest{TxBytes: simBytes})
	if err != nil {
		return nil, &TxError{Reason: cleanReason(status.Convert(err).Message())}
	}
	gas := uint64(float64(sim.GasInfo.GasUsed) * c.cfg.GasAdjustment)
	txf = txf.WithGas(gas)

	builder, err := txf.BuildUnsignedTx(msgs...)
	if err != nil {
		return nil, fmt.Errorf("build tx: %w", err)
	}
	if err := clienttx.Sign(ctx, txf, keyName, builder, true); err != nil {
		return nil, fmt.Errorf("sign with %s: %w", keyName, err)
	}
	txBytes, err := c.enc.TxConfig.TxEncoder()(builder.GetTx())
	if err != nil {
		return nil, fmt.Errorf("encode tx: %w", err)
	}
	res, err := c.Tx.BroadcastTx(ctx, &txtypes.BroadcastTxRequest{TxBytes: txBytes, Mode: txtypes.BroadcastMode_BROADCAST_MODE_SYNC})
	if err != nil {
		return nil, Unwrap(fmt.Errorf("broadcast: %w", err))
	}
	if r := res.TxResponse; r.Code != 0 {
		return nil, &TxError{Hash: r.TxHash, Code: r.Code, Codespace: r.Codespace, Reason: cleanReason(r.RawLog)}
	}
	return c.WaitTx(ctx, res.TxResponse.TxHash)
}

// WaitTx polls until the transaction is in a block.
func (c *Client) WaitTx(ctx context.Context, hash string) (*TxResult, error) {
	t := time.NewTicker(c.cfg.PollInterval)
	defer t.Stop()
	for {
		got, err := c.Tx.GetTx(ctx, &txtypes.GetTxRequest{Hash: hash})
		if err == nil {
			return c.result(got)
		}
		if status.Code(err) != codes.NotFound {
			return nil, Unwrap(fmt.Errorf("look up tx %s: %w", hash, err))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for tx %s: %w", hash, ctx.Err())
		case <-t.C:
		}
	}
}

func (c *Client) result(got *txtypes.GetTxResponse) (*TxResult, error) {
	r := got.TxResponse
	if r.Code != 0 {
		return nil, &TxError{Hash: r.TxHash, Code: r.Code, Codespace: r.Codespace, Reason: cleanReason(r.RawLog)}
	}
	out := &TxResult{Hash: r.TxHash, Height: r.Height, Code: r.Code, Log: r.RawLog, GasUsed: r.GasUsed}
	for _, ev := range r.Events {
		e := Event{Type: ev.Type}
		for _, a := range ev.Attributes {
			e.Attributes = append(e.Attributes, [2]string{a.Key, a.Value})
		}
		out.Events = append(out.Events, e)
	}
	data, err := hex.DecodeString(r.Data)
	if err != nil {
		return nil, fmt.Errorf("decode tx %s result: %w", r.TxHash, err)
	}
	var msgData sdk.TxMsgData
	if err := c.enc.Codec.Unmarshal(data, &msgData); err != nil {
		return nil, fmt.Errorf("decode tx %s result: %w", r.TxHash, err)
	}
	for _, any := range msgData.MsgResponses {
		var m txtypes.MsgResponse
		if err := c.enc.InterfaceRegistry.UnpackAny(any, &m); err != nil {
			return nil, fmt.Errorf("decode tx %s response %s: %w", r.TxHash, any.TypeUrl, err)
		}
		pm, ok := m.(gogoproto.Message)
		if !ok {
			return nil, fmt.Errorf("decode tx %s response %s: not a proto message", r.TxHash, any.TypeUrl)
		}
		out.Responses = append(out.Responses, pm)
	}
	return out, nil
}

func (c *Client) account(ctx context.Context, addr sdk.AccAddress) (sdk.AccountI, error) {
	res, err := c.Auth.Account(ctx, &authtypes.QueryAccountRequest{Address: addr.String()})
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("account %s does not exist on chain yet: fund it first (e.g. `gpunet tx bank send`)", addr)
	}
	if err != nil {
		return nil, Unwrap(fmt.Errorf("query account %s: %w", addr, err))
	}
	var acc sdk.AccountI
	if err := c.enc.InterfaceRegistry.UnpackAny(res.Account, &acc); err != nil {
		return nil, fmt.Errorf("decode account %s: %w", addr, err)
	}
	return acc, nil
}

// plumbing matches what the SDK appends to a refusal: the source location
// of the error and the gas used.
var plumbing = regexp.MustCompile(`\s*\[[^\]]*:[0-9]+\]|\s*with gas used: '[0-9]+'|failed to execute message; message index: [0-9]+: |rpc error: code = [A-Za-z]+ desc = `)

// cleanReason strips the SDK's plumbing from a refusal so the field-naming
// message is what a person reads.
func cleanReason(s string) string {
	return strings.TrimSpace(plumbing.ReplaceAllString(s, ""))
}

// Unwrap turns a gRPC status error into one that reads like the chain's
// message, and says so when the node cannot be reached.
func Unwrap(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	if st.Code() == codes.Unavailable {
		return fmt.Errorf("%s: the node's gRPC endpoint is not reachable; is the chain running (gpunet devnet) and --grpc-addr right?", cleanReason(st.Message()))
	}
	return errors.New(cleanReason(st.Message()))
}
