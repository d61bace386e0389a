// Package alloc hands whole GPUs to jobs by UUID and remembers who holds
// which across a daemon restart.
//
// It owns two things: the Allocator, which decides which offerable GPUs a job
// gets (the first free ones in the order the node lists them, so the choice is
// deterministic) and never gives one GPU to two jobs; and the Store interface
// through which every allocation is persisted before Allocate returns (the
// node implements it in node/store; MemStore is the in-memory one for tests
// and nodes without a home).
//
// A GPU that stops being offerable (unhealthy, gone after a restart) stays
// held by its job until Release: the allocator never takes a GPU away from a
// job that may still be using it, and never hands it to another.
//
// It must not touch drivers, NVML or containers: which GPUs exist and are
// healthy is the caller's input (New, SetGPUs), and handing the UUIDs to a
// runtime is the caller's job.
package alloc
