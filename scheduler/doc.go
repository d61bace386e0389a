// Package scheduler places pending jobs onto providers deterministically. It
// is a pure library called from the chain's EndBlocker (inside consensus)
// and from `gpunet job plan`, so every validator must compute the same
// placements from the same inputs.
//
// It owns:
//   - feasibility: the filters (jailed, free GPUs, GPU model, GPU memory,
//     CPU, memory, disk, price, stake), each with a stable Reason;
//   - scoring: integer scorers (price, stake, verified work, packing), each
//     0..1000 points, weighted by Options into a Total;
//   - the tie-break: Total descending, then Address ascending;
//   - Plan's bookkeeping of free resources within one call.
//
// It must not touch the store, the chain, the clock, randomness, the OS or
// the network: inputs arrive as plain values and results leave as plain
// values. No floats anywhere (token amounts use cosmossdk.io/math at the
// edge and uint64 or math/big inside), no map iteration order influencing
// results, and no dependence on the order of the providers slice
// (addresses must be unique). deps_test.go enforces the import rules.
//
// Plan follows Nomad's feasible/rank/limit/select pattern with a static
// rank computed once per call; see README.md and Plan's comment.
package scheduler
