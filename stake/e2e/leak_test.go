package e2e

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/stake/types"
)

// upstreamLeaks are goroutines that dependencies start and that provably
// never exit once a node has run, whatever its owner does through their
// public APIs. Each was read in the pinned source (go.mod versions).
var upstreamLeaks = []goleak.Option{
	// cosmos-sdk v0.54.4 server/grpc/server.go StartGRPCServer: the
	// goroutine running grpcSrv.Serve sends its result on an unbuffered
	// errCh, but once ctx is cancelled StartGRPCServer returns after
	// GracefulStop without reading errCh, so the send blocks forever.
	goleak.IgnoreTopFunction("github.com/cosmos/cosmos-sdk/server/grpc.StartGRPCServer.func1"),
	// cosmos-sdk v0.54.4 server/api/server.go (*Server).Start: the same
	// pattern for the REST server's cmtrpcserver.Serve goroutine.
	goleak.IgnoreTopFunction("github.com/cosmos/cosmos-sdk/server/api.(*Server).Start.func3"),
	// cosmos/iavl v1.2.8 nodedb.go startPruning: one per IAVL store (four
	// here: auth, bank, consensus, gpunet), started by newNodeDB when async
	// pruning is on (the SDK's default), and ended only by nodeDB.Close. The
	// SDK's rootmulti store (store/v2 v2.0.0) has no Close and never closes
	// its trees, and BaseApp.Close closes only the DB and snapshot store.
	// The loop sleeps in time.Sleep, so the top frame is time.Sleep and
	// IgnoreTopFunction cannot name it; IgnoreAnyFunction matches it
	// anywhere in the stack.
	goleak.IgnoreAnyFunction("github.com/cosmos/iavl.(*nodeDB).startPruning"),
	// cometbft v0.39.4 libs/autofile/autofile.go OpenAutoFile: the SIGHUP
	// goroutine and closeFileRoutine end only in AutoFile.Close. The
	// consensus WAL's autofile.Group.Close closes the head's file
	// (Head.closeFile), never Head.Close, so both outlive the WAL.
	goleak.IgnoreTopFunction("github.com/cometbft/cometbft/libs/autofile.OpenAutoFile.func1"),
	goleak.IgnoreTopFunction("github.com/cometbft/cometbft/libs/autofile.(*AutoFile).closeFileRoutine"),
}

// TestNoGoroutineLeakAfterStop starts a chain, sends a transaction over
// gRPC, stops the chain and requires every goroutine it started to be gone,
// except the upstream ones above. Goroutines that existed before the chain
// started (the test runner's, earlier tests') are not this test's concern.
func TestNoGoroutineLeakAfterStop(t *testing.T) {
	before := goleak.IgnoreCurrent()
	n := testnet.New(t, testnet.DefaultOptions())
	if _, err := n.Client.Send(n.Ctx(), "provider1", &types.MsgStake{
		Staker: n.Addr("provider1"), Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu),
	}); err != nil {
		t.Fatal(err)
	}
	n.Stop()
	// goleak retries for about a second; a closed LevelDB's mpoolDrain
	// goroutine alone may wait a full second before it returns, so give
	// shutdown a few seconds in all.
	opts := append([]goleak.Option{before}, upstreamLeaks...)
	err := goleak.Find(opts...)
	for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		err = goleak.Find(opts...)
	}
	if err != nil {
		t.Errorf("goroutines left after Node.Stop (upstream ones that never exit are ignored; "+
			"goleveldb goroutines mean a LevelDB is still open, e.g. CometBFT's tx_index.db, "+
			"which chain.Node.Stop never closes):\n%v", err)
	}
}
