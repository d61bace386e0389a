// Package keeper is the gpunet ledger's state machine: the provider
// registry, stake per role with unbonding, slashing, and job escrow, all kept
// in collections under the module's store.
//
// It owns every state transition and the module invariant (the module
// account holds exactly bonded + unbonding + escrow). It runs inside
// consensus, so it must not read the wall clock, use floats, iterate Go maps
// or do I/O; time comes from the block header only.
package keeper
