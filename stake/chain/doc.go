// Package chain creates a validator's home directory (CometBFT config,
// app.toml, consensus key, genesis) and runs CometBFT and the gpunet app
// in-process, with the gRPC and REST servers beside them.
//
// It owns process wiring and files on disk. It must not hold ledger rules
// (stake/keeper) or user-facing output (cmd/gpunet).
package chain
