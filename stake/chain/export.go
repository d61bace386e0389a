package chain

import (
	"context"
	"encoding/json"
	"fmt"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/gpunet/gpunet/stake/app"
)

// Export writes the state of a stopped node in home as a genesis document
// whose chain starts at the next height.
func Export(ctx context.Context, home string) ([]byte, error) {
	cfg := Config{Home: home}
	ag, err := genutiltypes.AppGenesisFromFile(cfg.genesisFile())
	if err != nil {
		return nil, fmt.Errorf("read genesis of %s: %w", home, err)
	}
	db, err := dbm.NewDB("application", dbm.GoLevelDBBackend, cfg.dataDir())
	if err != nil {
		return nil, fmt.Errorf("open app database in %s (is the node still running? stop it first): %w", cfg.dataDir(), err)
	}
	a := app.New(log.NewNopLogger(), db, app.Options{}, baseapp.SetChainID(ag.ChainID))
	defer a.Close()
	if err := a.Load(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	exp, err := a.ExportAppState(false)
	if err != nil {
		return nil, err
	}
	out := genutiltypes.NewAppGenesisWithVersion(ag.ChainID, exp.AppState)
	out.InitialHeight = exp.Height + 1
	out.Consensus = genutiltypes.NewConsensusGenesis(exp.ConsensusParams, nil)
	if err := out.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("complete exported genesis: %w", err)
	}
	return json.MarshalIndent(out, "", "  ")
}
