package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/core/address"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/keeper"
	"github.com/gpunet/gpunet/stake/types"
)

const (
	chainID = "gpunet-test"
	// gpu is one GPU in the base denom.
	gpu = 1_000_000
	// startBalance is what every funded test account starts with.
	startBalance = 1000 * gpu
	// poorBalance is what the "poor" account starts with: below every
	// devnet minimum stake and every job deposit.
	poorBalance = gpu / 2
	// blockTime is how far apart fixture blocks are unless a test says.
	blockTime = 5 * time.Second
)

var genesisTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// account is a funded test account.
type account struct {
	name string
	addr sdk.AccAddress
	bech string
}

// fixture is a whole gpunet app on an in-memory DB: real auth, bank and
// consensus modules, real KV stores, real block production. ctx writes to
// the block being built; nextBlock finalizes and commits it (running the
// EndBlockers) and opens the next one.
type fixture struct {
	t   testing.TB
	app *app.App
	cdc codec.Codec
	k   keeper.Keeper
	msg types.MsgServer
	q   keeper.Querier
	ctx sdk.Context

	// accounts by name: alice, bob, carol (startBalance each) and poor.
	acct     map[string]account
	accounts []account
}

var accountNames = []string{"alice", "bob", "carol", "poor"}

func testAddress(name string) sdk.AccAddress {
	h := sha256.Sum256([]byte("gpunet-test/" + name))
	return sdk.AccAddress(h[:20])
}

// testValidator is one consensus validator with a fixed 32-byte ed25519 key.
func testValidator() types.Validator {
	seed := sha256.Sum256([]byte("gpunet-test/validator"))
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	return types.Validator{Name: "val0", PubKey: []byte(pub), Power: 10}
}

// defaultAppState is every module's default genesis plus funded accounts and
// a gpunet genesis with devnet params and one validator.
func defaultAppState(t testing.TB, cdc codec.Codec, ac address.Codec) map[string]json.RawMessage {
	t.Helper()
	state := app.DefaultGenesis(cdc)
	var (
		accs     []authtypes.GenesisAccount
		balances []banktypes.Balance
		supply   = math.ZeroInt()
	)
	for i, name := range accountNames {
		addr := testAddress(name)
		bech, err := ac.BytesToString(addr)
		if err != nil {
			t.Fatal(err)
		}
		amt := math.NewInt(startBalance)
		if name == "poor" {
			amt = math.NewInt(poorBalance)
		}
		accs = append(accs, authtypes.NewBaseAccount(addr, nil, uint64(i), 0))
		balances = append(balances, banktypes.Balance{Address: bech, Coins: types.Coins(amt)})
		supply = supply.Add(amt)
	}
	state[authtypes.ModuleName] = cdc.MustMarshalJSON(authtypes.NewGenesisState(authtypes.DefaultParams(), accs))
	bankGen := banktypes.DefaultGenesisState()
	bankGen.Balances = banktypes.SanitizeGenesisBalances(balances)
	bankGen.Supply = types.Coins(supply)
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(bankGen)

	gs := types.DefaultGenesis()
	gs.Params = types.DevnetParams()
	gs.Validators = []types.Validator{testValidator()}
	state[types.ModuleName] = cdc.MustMarshalJSON(gs)
	return state
}

// newFixture starts a chain from the default test genesis and commits block 1.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	enc := app.MakeEncodingConfig()
	return newFixtureWithState(t, defaultAppState(t, enc.Codec, enc.AddressCodec), 1, genesisTime)
}

// newFixtureWithState starts a chain from appState at initialHeight and
// genesis time start, and commits its first block.
func newFixtureWithState(t testing.TB, appState map[string]json.RawMessage, initialHeight int64, start time.Time) *fixture {
	t.Helper()
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), app.Options{CheckInvariants: true}, baseapp.SetChainID(chainID))
	if err := a.Load(); err != nil {
		t.Fatal(err)
	}
	stateBytes, err := json.Marshal(appState)
	if err != nil {
		t.Fatal(err)
	}
	cp := cmttypes.DefaultConsensusParams().ToProto()
	res, err := a.InitChain(&abci.RequestInitChain{
		ChainId:         chainID,
		Time:            start,
		InitialHeight:   initialHeight,
		ConsensusParams: &cp,
		AppStateBytes:   stateBytes,
	})
	if err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	if len(res.Validators) != 1 || res.Validators[0].Power != 10 {
		t.Fatalf("InitChain returned validators %v, want the one genesis validator with power 10", res.Validators)
	}
	f := &fixture{
		t:    t,
		app:  a,
		cdc:  a.Encoding().Codec,
		k:    a.StakeKeeper,
		msg:  keeper.NewMsgServer(a.StakeKeeper),
		q:    keeper.NewQuerier(a.StakeKeeper),
		acct: map[string]account{},
	}
	for _, name := range accountNames {
		addr := testAddress(name)
		acc := account{name: name, addr: addr, bech: f.bech(addr)}
		f.acct[name] = acc
		f.accounts = append(f.accounts, acc)
	}
	f.finalize(initialHeight, start)
	f.ctx = a.NewNextBlockContext(cmtproto.Header{ChainID: chainID, Height: initialHeight + 1, Time: start.Add(blockTime)})
	f.requireInvariant()
	return f
}

func (f *fixture) bech(addr sdk.AccAddress) string {
	s, err := f.app.Encoding().AddressCodec.BytesToString(addr)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// finalize runs FinalizeBlock at height and time (EndBlockers included, on
// top of whatever ctx wrote) and commits it.
func (f *fixture) finalize(height int64, at time.Time) *abci.ResponseFinalizeBlock {
	f.t.Helper()
	res, err := f.app.FinalizeBlock(&abci.RequestFinalizeBlock{Height: height, Time: at})
	if err != nil {
		f.t.Fatalf("FinalizeBlock %d: %v", height, err)
	}
	if _, err := f.app.Commit(); err != nil {
		f.t.Fatalf("Commit %d: %v", height, err)
	}
	return res
}

// nextBlock finalizes and commits the block ctx is building, then opens the
// next one d later. It returns the finalized block's response (its events
// include the EndBlocker's).
func (f *fixture) nextBlock(d time.Duration) *abci.ResponseFinalizeBlock {
	f.t.Helper()
	h, at := f.ctx.BlockHeight(), f.ctx.BlockTime()
	res := f.finalize(h, at)
	f.ctx = f.app.NewNextBlockContext(cmtproto.Header{ChainID: chainID, Height: h + 1, Time: at.Add(d)})
	f.requireInvariant()
	return res
}

// requireInvariant fails the test unless the module account holds exactly
// bonded + unbonding + escrow.
func (f *fixture) requireInvariant() {
	f.t.Helper()
	if err := f.k.CheckInvariant(f.ctx); err != nil {
		f.t.Fatalf("invariant: %v", err)
	}
}

// fresh is ctx with an empty event manager, so a test sees only the events
// of the call it makes.
func (f *fixture) fresh() sdk.Context { return f.ctx.WithEventManager(sdk.NewEventManager()) }

func (f *fixture) balance(addr sdk.AccAddress) math.Int {
	return f.app.BankKeeper.GetBalance(f.ctx, addr, types.Denom).Amount
}

func (f *fixture) moduleBalance() math.Int {
	return f.balance(authtypes.NewModuleAddress(types.ModuleName))
}

func (f *fixture) supply() math.Int {
	return f.app.BankKeeper.GetSupply(f.ctx, types.Denom).Amount
}

func (f *fixture) bonded(addr sdk.AccAddress, role types.Role) math.Int {
	f.t.Helper()
	v, err := f.k.Bonded(f.ctx, addr, role)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fixture) exportGenesis() *types.GenesisState {
	f.t.Helper()
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		f.t.Fatalf("ExportGenesis: %v", err)
	}
	return gs
}
