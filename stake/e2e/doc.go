// Package e2e holds end-to-end tests of the gpunet chain: each starts a real
// one-validator chain (CometBFT and the app in-process, on loopback ports,
// see internal/testnet), talks to it over gRPC and CometBFT's RPC like a
// user would, and after every step checks the module invariant (the module
// account holds exactly bonded + unbonding + escrow) and that the chain is
// still producing blocks, which proves the invariant check the app runs in
// every block did not halt it.
//
// The package has no non-test code; this file only documents it.
package e2e
