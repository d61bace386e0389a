// Package store is a node's local, crash-safe record store: one bbolt file
// in the node's home holding job records, GPU allocations and counters such
// as the offer sequence number.
//
// Every write is a committed, fsynced bbolt transaction before it returns,
// so a crash loses nothing that was acknowledged. It owns the file and its
// schema version; it must not interpret the records it holds.
package store
