// Package testnet starts a real one-validator gpunet chain (CometBFT and
// the app, in-process) on random loopback ports for tests, with funded
// keys and a client, and stops it when the test ends.
package testnet
