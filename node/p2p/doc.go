// Package p2p owns the libp2p host a gpunet node runs: its identity key, its
// transports (TCP and QUIC), transport security (Noise; QUIC brings its own
// TLS 1.3), the resource manager with explicit limits, the connection gater,
// and peer discovery (Kademlia DHT rendezvous, bootstrap peers, optional mDNS).
//
// It does not know about offers, jobs or the chain. Packages that speak gossip
// topics or stream protocols build on top of it through [Host.Host],
// [Host.DHT] and [Host.Discovery].
//
// Vocabulary:
//
//   - identity: the Ed25519 key in a 0600 file; its public half is the peer ID,
//     which the chain records for a provider. See [LoadOrCreateIdentity].
//   - bootstrap peer: a full multiaddr with /p2p/<id>, dialled at start and
//     redialled with exponential backoff whenever the connection drops. The
//     gater never refuses one.
//   - rendezvous: a DHT provider record under the namespace [Config.Rendezvous];
//     every node advertises it and periodically looks it up, then dials the
//     peers it finds, so nodes that only know a bootstrap peer find each other.
//   - gater: refuses deny-listed peers in both directions, and refuses new
//     inbound peers once [Config.MaxPeers] are connected.
//
// Decisions: TCP listens without SO_REUSEPORT, so a port another process
// holds is an error rather than a shared listener; circuit relay is off; the
// DHT runs under the /gpunet protocol prefix with no public bootstrap peers.
// With a Prometheus registerer, libp2p's own metrics go to it as well as
// gpunet_p2p_peers; with none, libp2p metrics are disabled.
//
// Lifetime: [New] starts everything in the background and returns; the context
// given to New bounds construction only. [Host.Close] stops the discovery
// loops, mDNS, the DHT and the libp2p host, and waits for its goroutines.
package p2p
