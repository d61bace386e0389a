package app

import (
	"encoding/json"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	servertypes "github.com/cosmos/cosmos-sdk/server/types"
)

// ExportAppState writes the whole state at the latest height as genesis.
// Zero-height export is refused: state holds absolute block heights
// (unbonding creation heights, job heights), which a restart at zero would
// make wrong.
func (a *App) ExportAppState(forZeroHeight bool) (servertypes.ExportedApp, error) {
	if forZeroHeight {
		return servertypes.ExportedApp{}, fmt.Errorf("export for zero height: not supported, because state holds absolute block heights; export at the current height instead")
	}
	ctx := a.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight()})
	state, err := a.mm.ExportGenesisForModules(ctx, a.enc.Codec, nil)
	if err != nil {
		return servertypes.ExportedApp{}, fmt.Errorf("export modules: %w", err)
	}
	bz, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return servertypes.ExportedApp{}, fmt.Errorf("encode app state: %w", err)
	}
	cp := a.GetConsensusParams(ctx)
	return servertypes.ExportedApp{AppState: bz, Height: a.LastBlockHeight(), ConsensusParams: cp}, nil
}
