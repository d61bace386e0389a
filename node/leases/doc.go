// Package leases is the provider daemon acting on its leases (SPEC sections
// 3 and 6): it accepts the jobs the chain places on this provider, runs
// them through the runtime's runner, reports each committed checkpoint,
// completes or fails the job on chain, and stops a job the chain took away
// (cancelled by its client, or the lease lost). A job placed here to resume
// from another provider's checkpoint gets that checkpoint over
// /gpunet/checkpoint/1, checked against the root on chain.
//
// It also backs the node's stream protocols with the runner's records: the
// checkpoints it committed and the jobs' logs.
//
// It owns the loop from chain leases to runner runs. It must not touch the
// runner's files directly beyond reading them for serving, nor decide
// placement: the chain's scheduler does that.
package leases
