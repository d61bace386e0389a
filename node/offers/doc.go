// Package offers carries providers' signed GPU offers over gossipsub: the
// offer format and its signature, the validator every node runs before it
// relays an offer, the topic membership, the live view of current offers,
// and the publisher a provider runs. It never talks to the chain (it asks a
// Registry, which the node wires to the chain client) and it does not find
// peers (the host's discovery does).
//
// # Wire format
//
// A signed offer is an envelope, all integers big-endian:
//
//	u16 len(payload) | payload | u8 len(signature) | signature
//
// and the payload is the canonical encoding of an Offer, every string
// preceded by a one-byte length:
//
//	u8 version (1)
//	u8 len | peer ID (multihash bytes)
//	u8 len | chain address (ASCII bech32, gpunet1...)
//	u8 n (<= 16) | n * (u8 len | model (UTF-8) | u32 count)
//	u8 len | price per GPU-hour (decimal ugpu, no leading zeros)
//	u64 sequence
//	i64 expiry (unix seconds)
//
// Hand-written rather than JSON or protobuf because every value then has
// exactly one encoding: fixed-width integers, no optional fields, no field
// order or whitespace freedom, GPU models sorted and unique, no trailing
// bytes. Decoding re-checks all of it, so anything decoded re-encodes to the
// same bytes. The signature is the provider's libp2p key over
//
//	"gpunet/offer/1\x00" || payload
//
// so it cannot be mistaken for a signature over anything else. The key must
// embed in the peer ID (ed25519, secp256k1): receivers take it from there.
// The whole envelope is at most MaxOfferBytes, checked before decoding.
//
// # Validation
//
// Validator.Validate runs these checks in order; the first failure decides.
// Reject drops the message and lowers the sender's peer score (the author
// or a relay forwarded something invalid); Ignore drops it without penalty
// (stale, or not decidable now). Each drop increments
// gpunet_offers_dropped_total{reason}.
//
//	check                                       verdict  reason
//	size > MaxOfferBytes                        Reject   oversized
//	envelope or payload not canonical/valid     Reject   malformed
//	pubsub author (StrictSign) != Offer.PeerID  Reject   wrong_sender
//	signature not by Offer.PeerID's key         Reject   bad_signature
//	Expiry <= now                               Ignore   expired
//	Expiry > now + MaxTTL                       Reject   too_far_future
//	chain has no provider at ChainAddress       Reject   unregistered
//	ChainAddress registered to another peer     Reject   peer_mismatch
//	registry lookup failed                      Ignore   registry_error
//	Sequence <= last accepted from the peer     Ignore   replayed
//
// The cheap author check runs before the signature; the clock checks run
// before the registry so stale offers cost no lookup. Registry answers are
// cached (ValidatorConfig); the chain watcher calls Validator.Invalidate
// when a registration changes. A Reject also penalizes an honest relay whose
// registry or clock briefly disagrees with ours; short cache TTLs,
// Invalidate, MaxTTL at twice the publisher TTL, and a mild invalid-message
// weight (OfferTopicScoreParams: graylisted only after three within about
// half an hour) keep that from cutting honest peers off.
//
// # Flow
//
//	Publisher --Sign--> Topic.Publish --gossipsub--> Validator --Accept--> readLoop --> View
//	(Notify, heartbeat;                   (every hop)                  (skips self)   (latest per
//	 SequenceStore)                                                                     peer, unexpired)
package offers
