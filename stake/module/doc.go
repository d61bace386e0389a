// Package module plugs the gpunet keeper into a Cosmos SDK application:
// codec registration, services, genesis, the EndBlocker and the autocli
// command descriptions. It holds no state and no business rules.
package module
