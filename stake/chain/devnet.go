package chain

import (
	"fmt"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/types"
)

// DemoAccounts are the funded keys of a devnet, one per role a person
// plays in the demo.
var DemoAccounts = []string{"alice", "bob", "provider1", "provider2", "verifier1"}

// DemoBalance is what each demo account starts with: 1000 GPU.
var DemoBalance = math.NewInt(1_000_000_000)

// DemoAccount is a funded devnet key.
type DemoAccount struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// InitDevnet creates (or reuses) the demo keys in kr and a one-validator
// home that funds them with balance each.
func InitDevnet(cfg Config, kr keyring.Keyring, params types.Params, balance math.Int) ([]DemoAccount, error) {
	accounts, err := EnsureKeys(kr, DemoAccounts)
	if err != nil {
		return nil, err
	}
	gen := Genesis{Params: params}
	for _, a := range accounts {
		gen.Accounts = append(gen.Accounts, Account{Address: a.Address, Balance: balance})
	}
	if err := Init(cfg, gen); err != nil {
		return nil, err
	}
	return accounts, nil
}

// EnsureKeys returns the named keys, creating those that do not exist.
func EnsureKeys(kr keyring.Keyring, names []string) ([]DemoAccount, error) {
	out := make([]DemoAccount, 0, len(names))
	for _, name := range names {
		rec, err := kr.Key(name)
		if err != nil {
			rec, _, err = kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
			if err != nil {
				return nil, fmt.Errorf("create key %s: %w", name, err)
			}
		}
		addr, err := rec.GetAddress()
		if err != nil {
			return nil, fmt.Errorf("read key %s: %w", name, err)
		}
		out = append(out, DemoAccount{Name: name, Address: addr.String()})
	}
	return out, nil
}
