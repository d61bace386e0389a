// Package node is the long-running gpunet daemon a GPU owner runs: it finds
// the machine's GPUs, joins the peer-to-peer network, registers on the
// chain, advertises signed offers and serves its state over HTTP.
//
// It owns the wiring of its parts (node/gpu, node/p2p, node/offers,
// node/chainlink, node/store, node/api) and their lifetimes, and its config
// file. It must not hold ledger rules (stake/) or run jobs (runtime/).
package node
