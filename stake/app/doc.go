// Package app wires the gpunet chain: BaseApp with x/auth, x/bank,
// x/consensus and the gpunet module, and nothing else. There is no
// x/staking: the validator set is fixed in the gpunet module's genesis
// (proof of authority, docs/chain.md), since gpunet's stake secures work,
// not consensus.
//
// It owns the codec, the store keys, module order and the ante handler. It
// must not hold business rules; those live in stake/keeper.
package app
