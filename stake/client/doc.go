// Package client is the one Go client for the gpunet chain: it signs with a
// key from the Cosmos keyring, simulates for gas, broadcasts, waits for the
// transaction to land in a block, and reads state over gRPC. The CLI, the
// provider daemon and the tests all use it.
//
// It owns transaction plumbing and error translation. It must not decide
// anything the chain decides; it only reports what the chain said.
package client
