package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/keeper"
	"github.com/gpunet/gpunet/stake/types"
)

// TestGenesisRoundTrip exports the state of a chain that has seen real
// activity and imports it into a fresh app, which must export it again
// unchanged.
//
// How: after the activity the node is stopped, and app.New opens its
// application database (home/data/application.db) read back at the last
// committed height; ExportAppState(false) gives export 1. A second app on an
// empty in-memory DB runs InitChain with export 1's app_state and consensus
// params at initial height export-height + 1 (the heights in state are
// absolute), then FinalizeBlock and Commit of that one block, at a time
// before any unbonding entry completes so no EndBlocker work changes state;
// its ExportAppState is export 2. The gpunet, bank and auth sections of the
// two exports must be byte-identical.
func TestGenesisRoundTrip(t *testing.T) {
	c := newChain(t, longUnbonding())
	p1, v1, alice, bob := c.Addr("provider1"), c.Addr("verifier1"), c.Addr("alice"), c.Addr("bob")
	_, spec, _ := validSpec(t)

	c.send("provider1", registerMsg(p1, peerID1))
	c.send("provider1", &types.MsgStake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu)})
	c.send("provider1", &types.MsgUnstake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(1 * gpu)})
	c.send("verifier1", &types.MsgStake{Staker: v1, Role: types.ROLE_VERIFIER, Amount: ugpu(3 * gpu)})
	c.send("alice", &types.MsgCreateJob{Client: alice, Spec: spec})
	res := c.send("bob", &types.MsgCreateJob{Client: bob, Spec: spec})
	c.send("bob", &types.MsgCancelJob{Client: bob, JobId: res.Responses[0].(*types.MsgCreateJobResponse).JobId})
	c.requireInvariant("activity")
	chainID := c.Node.ChainID
	lastTime := c.blockTime(c.height())
	c.Stop()

	exp1 := exportFromHome(t, filepath.Join(c.Home, "data"), chainID)
	var gs types.GenesisState
	if err := c.Client.Encoding().Codec.UnmarshalJSON(section(t, exp1.AppState, types.ModuleName), &gs); err != nil {
		t.Fatalf("decode exported gpunet genesis: %v", err)
	}
	if len(gs.Providers) != 1 || len(gs.Stakes) != 2 || len(gs.Unbonding) != 1 || len(gs.Jobs) != 2 || len(gs.Validators) != 1 {
		t.Fatalf("export 1 misses activity: %d providers, %d stakes, %d unbonding entries, %d jobs, %d validators; want 1, 2, 1, 2, 1",
			len(gs.Providers), len(gs.Stakes), len(gs.Unbonding), len(gs.Jobs), len(gs.Validators))
	}
	if !gs.Unbonding[0].CompletionTime.After(lastTime.Add(time.Second)) {
		t.Fatalf("entry completes at %s, before the re-imported chain's first block: pick a longer unbonding period", gs.Unbonding[0].CompletionTime)
	}

	fresh := app.New(log.NewNopLogger(), dbm.NewMemDB(), app.Options{}, baseapp.SetChainID(chainID))
	t.Cleanup(func() { _ = fresh.Close() })
	if err := fresh.Load(); err != nil {
		t.Fatal(err)
	}
	height := exp1.Height + 1
	if _, err := fresh.InitChain(&abci.RequestInitChain{
		ChainId:         chainID,
		Time:            lastTime,
		InitialHeight:   height,
		ConsensusParams: &exp1.ConsensusParams,
		AppStateBytes:   exp1.AppState,
	}); err != nil {
		t.Fatalf("InitChain from export 1: %v", err)
	}
	if _, err := fresh.FinalizeBlock(&abci.RequestFinalizeBlock{Height: height, Time: lastTime.Add(time.Second)}); err != nil {
		t.Fatalf("FinalizeBlock %d: %v", height, err)
	}
	if _, err := fresh.Commit(); err != nil {
		t.Fatalf("Commit %d: %v", height, err)
	}
	ctx := fresh.NewContextLegacy(true, cmtproto.Header{Height: fresh.LastBlockHeight()})
	if err := fresh.StakeKeeper.CheckInvariant(ctx); err != nil {
		t.Fatalf("re-imported chain: %v", err)
	}
	exp2, err := fresh.ExportAppState(false)
	if err != nil {
		t.Fatalf("export 2: %v", err)
	}

	for _, mod := range []string{types.ModuleName, banktypes.ModuleName, authtypes.ModuleName} {
		a, b := section(t, exp1.AppState, mod), section(t, exp2.AppState, mod)
		if !bytes.Equal(a, b) {
			t.Errorf("app_state.%s differs after the round trip:\n%s", mod, diffLines(string(a), string(b)))
		}
	}
	// The other sections are not required to match; say whether they do.
	s1, s2 := sections(t, exp1.AppState), sections(t, exp2.AppState)
	for _, mod := range sortedKeys(s1) {
		t.Logf("app_state.%s: %d bytes, identical after the round trip: %v", mod, len(s1[mod]), bytes.Equal(s1[mod], s2[mod]))
	}

	// Identical exports do not show that InitGenesis rebuilt the indexes,
	// which are not exported: use each one on the re-imported chain.
	q := keeper.NewQuerier(fresh.StakeKeeper)
	byClient, err := q.Jobs(ctx, &types.QueryJobsRequest{Client: alice})
	if err != nil || len(byClient.Jobs) != 1 || byClient.Jobs[0].Client != alice {
		t.Fatalf("jobs of alice on the re-imported chain: %v, %v; want her one job", byClient, err)
	}
	byStatus, err := q.Jobs(ctx, &types.QueryJobsRequest{Status: types.JOB_STATUS_CANCELLED})
	if err != nil || len(byStatus.Jobs) != 1 || byStatus.Jobs[0].Client != bob {
		t.Fatalf("cancelled jobs on the re-imported chain: %v, %v; want bob's", byStatus, err)
	}
	st, err := q.StakeOf(ctx, &types.QueryStakeOfRequest{Address: p1})
	if err != nil || len(st.Unbonding) != 1 || !sameEntry(st.Unbonding[0], gs.Unbonding[0]) {
		t.Fatalf("provider1's unbonding entries on the re-imported chain: %v, %v; want %v", st, err, gs.Unbonding[0])
	}
	_, err = keeper.NewMsgServer(fresh.StakeKeeper).RegisterProvider(ctx, registerMsg(c.Addr("provider2"), peerID1))
	requireFieldError(t, "provider2 claims provider1's peer id on the re-imported chain", err, "peer_id")

	// The time index: a block at the entry's completion time pays it out.
	entry := gs.Unbonding[0]
	balance := func() string {
		return fresh.BankKeeper.GetBalance(fresh.NewContextLegacy(true, cmtproto.Header{Height: fresh.LastBlockHeight()}), c.accAddr("provider1"), types.Denom).String()
	}
	was := balance()
	if _, err := fresh.FinalizeBlock(&abci.RequestFinalizeBlock{Height: height + 1, Time: entry.CompletionTime}); err != nil {
		t.Fatalf("FinalizeBlock %d: %v", height+1, err)
	}
	if _, err := fresh.Commit(); err != nil {
		t.Fatalf("Commit %d: %v", height+1, err)
	}
	ctx = fresh.NewContextLegacy(true, cmtproto.Header{Height: fresh.LastBlockHeight()})
	if st, err := q.StakeOf(ctx, &types.QueryStakeOfRequest{Address: p1}); err != nil || len(st.Unbonding) != 0 {
		t.Fatalf("provider1's unbonding entries after their completion time on the re-imported chain: %v, %v; want none", st, err)
	}
	if now, want := balance(), ugpu(demoBalance-5*gpu).Add(ugpu(entry.Amount.Int64())).String(); now != want {
		t.Fatalf("provider1's balance after the entry matured on the re-imported chain: %s (was %s), want %s", now, was, want)
	}
	if err := fresh.StakeKeeper.CheckInvariant(ctx); err != nil {
		t.Fatalf("re-imported chain after maturity: %v", err)
	}
}

// requireFieldError fails the test unless err names field (as "field:").
func requireFieldError(t *testing.T, what string, err error, field string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), field+":") {
		t.Fatalf("%s: got error %v, want one naming %q", what, err, field)
	}
}

// exportFromHome opens a stopped node's application database and exports
// its state at the last committed height.
func exportFromHome(t *testing.T, dataDir, chainID string) servertypes.ExportedApp {
	t.Helper()
	db, err := dbm.NewDB("application", dbm.GoLevelDBBackend, dataDir)
	if err != nil {
		t.Fatalf("open the node's application database: %v", err)
	}
	a := app.New(log.NewNopLogger(), db, app.Options{}, baseapp.SetChainID(chainID))
	defer func() { _ = a.Close() }() // closes db too
	if err := a.Load(); err != nil {
		t.Fatal(err)
	}
	exp, err := a.ExportAppState(false)
	if err != nil {
		t.Fatalf("export 1: %v", err)
	}
	return exp
}

func sections(t *testing.T, appState []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(appState, &m); err != nil {
		t.Fatalf("decode app_state: %v", err)
	}
	return m
}

func section(t *testing.T, appState []byte, mod string) json.RawMessage {
	t.Helper()
	s, ok := sections(t, appState)[mod]
	if !ok {
		t.Fatalf("app_state has no %s section", mod)
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
