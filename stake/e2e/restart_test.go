package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	dbm "github.com/cometbft/cometbft-db"

	"github.com/gpunet/gpunet/stake/types"
)

// TestRestartKeepsState stakes, stops the node, starts it again on the same
// home in the same process, and requires the chain to continue above the
// old height with stake and balances intact and new transactions accepted.
func TestRestartKeepsState(t *testing.T) {
	c := newChain(t, longUnbonding())
	p1 := c.Addr("provider1")
	c.send("provider1", &types.MsgStake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(5 * gpu)})
	c.send("provider1", &types.MsgUnstake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(1 * gpu)})
	c.requireInvariant("before restart")
	before := c.snapshot()
	stopped := c.height()

	c.Stop()
	requireDatabasesReleased(t, filepath.Join(c.Home, "data"))
	c.Start()

	if h := c.height(); h <= stopped {
		t.Fatalf("height after restart %d, want above %d", h, stopped)
	}
	if after := c.snapshot(); after != before {
		t.Fatalf("state changed across the restart:\n%s", diffLines(before, after))
	}
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(ugpu(4 * gpu).Amount) {
		t.Fatalf("bonded after restart: %s, want %d", got, 4*gpu)
	}
	c.requireInvariant("after restart")
	c.send("provider1", &types.MsgStake{Staker: p1, Role: types.ROLE_PROVIDER, Amount: ugpu(1 * gpu)})
	if got := c.bonded("provider1", types.ROLE_PROVIDER); !got.Equal(ugpu(5 * gpu).Amount) {
		t.Fatalf("bonded after staking again: %s, want %d", got, 5*gpu)
	}
	c.requireInvariant("stake after restart")
}

// requireDatabasesReleased opens every LevelDB under dataDir, which fails
// with "resource temporarily unavailable" for one whose lock a stopped node
// still holds; such a node cannot be started again in the same process.
func requireDatabasesReleased(t *testing.T, dataDir string) {
	t.Helper()
	ents, err := os.ReadDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || !e.IsDir() {
			continue
		}
		db, err := dbm.NewGoLevelDB(name, dataDir)
		if err != nil {
			t.Errorf("after Node.Stop, %s is still open (%v): chain.Node.Stop does not close it, "+
				"so the node cannot start again on this home in this process", e.Name(), err)
			continue
		}
		if err := db.Close(); err != nil {
			t.Fatalf("close %s: %v", e.Name(), err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}
