package app

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	"cosmossdk.io/core/appmodule"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	runtimeservices "github.com/cosmos/cosmos-sdk/runtime/services"
)

// AutoCLIModules returns the modules and their autocli options, for the
// CLI's generated `tx` and `query` trees. It builds a throwaway app on an
// in-memory database, as the SDK's own binaries do.
func AutoCLIModules() (map[string]appmodule.AppModule, map[string]*autocliv1.ModuleOptions) {
	a := New(log.NewNopLogger(), dbm.NewMemDB(), Options{})
	mods := make(map[string]appmodule.AppModule, len(a.mm.Modules))
	for name, m := range a.mm.Modules {
		if am, ok := m.(appmodule.AppModule); ok {
			mods[name] = am
		}
	}
	return mods, runtimeservices.ExtractAutoCLIOptions(a.mm.Modules)
}
