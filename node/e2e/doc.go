// Package e2e runs provider nodes against a real in-process chain with
// real libp2p hosts on loopback.
package e2e
