// Package types holds the gpunet ledger's messages, state types, params,
// genesis, errors and store prefixes: everything a client needs to build and
// read transactions without importing the keeper.
//
// It owns the stateless validation of every message (ValidateBasic) and of
// genesis. It must not touch a store, a keeper or the network; the rules
// that need state live in stake/keeper.
package types
