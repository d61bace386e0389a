package offers

import (
	"context"
	"fmt"
	"net"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// MaxRPCBytes is the pubsub wire limit NewPubSub sets: one signed offer plus
// the pubsub message around it (author, seqno, topic, signature, key) and
// the RPC framing. Larger RPCs are split by the sender; a peer sending a
// larger one has its stream reset.
const MaxRPCBytes = MaxOfferBytes + 1<<10

// Gossipsub protocol IDs of the gpunet network. A private prefix keeps our
// small MaxRPCBytes away from public gossipsub meshes (where 1 MiB messages
// are normal), as go-libp2p-pubsub's WithMaxMessageSize advises.
const (
	MeshsubV12 = protocol.ID("/gpunet/meshsub/1.2.0")
	MeshsubV11 = protocol.ID("/gpunet/meshsub/1.1.0")
)

// gossipFeatures maps our protocol IDs to gossipsub features: v1.2 has
// IDONTWANT, both have peer exchange and the mesh.
func gossipFeatures(f pubsub.GossipSubFeature, p protocol.ID) bool {
	switch f {
	case pubsub.GossipSubFeatureMesh, pubsub.GossipSubFeaturePX:
		return p == MeshsubV12 || p == MeshsubV11
	case pubsub.GossipSubFeatureIdontwant:
		return p == MeshsubV12
	default:
		return false
	}
}

// NewPubSub starts gossipsub on h for gpunet: every message signed by its
// author and verified (StrictSign), peer scoring with OfferScoreParams and
// OfferScoreThresholds, MaxRPCBytes, gpunet's protocol IDs, flood publishing
// of one's own messages. opts come last and may override any of these.
func NewPubSub(ctx context.Context, h host.Host, opts ...pubsub.Option) (*pubsub.PubSub, error) {
	base := []pubsub.Option{
		pubsub.WithGossipSubProtocols([]protocol.ID{MeshsubV12, MeshsubV11}, gossipFeatures),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictSign),
		pubsub.WithPeerScore(OfferScoreParams(), OfferScoreThresholds()),
		pubsub.WithMaxMessageSize(MaxRPCBytes),
		// An author sends its offer to every topic peer, not only its mesh:
		// offers are small and rare, and a fresh node's mesh may still be
		// empty (v0.19 leaves flood publishing off by default).
		pubsub.WithFloodPublish(true),
	}
	ps, err := pubsub.NewGossipSub(ctx, h, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("start gossipsub: %w", err)
	}
	return ps, nil
}

// OfferScoreThresholds: a peer is cut off from our gossip below -20, from
// our publications below -40, and ignored altogether below -80, which three
// recent invalid offers reach (see OfferTopicScoreParams).
func OfferScoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             -20,
		PublishThreshold:            -40,
		GraylistThreshold:           -80,
		AcceptPXThreshold:           10,
		OpportunisticGraftThreshold: 2,
	}
}

// OfferScoreParams are the peer score parameters: TopicName's topic score,
// a penalty for broken gossip promises, and one for crowds of peers on one
// IP (loopback exempt, for devnets and tests on one machine).
func OfferScoreParams() *pubsub.PeerScoreParams {
	return &pubsub.PeerScoreParams{
		Topics:                      map[string]*pubsub.TopicScoreParams{TopicName: OfferTopicScoreParams()},
		TopicScoreCap:               20,
		AppSpecificScore:            func(peer.ID) float64 { return 0 },
		AppSpecificWeight:           1,
		IPColocationFactorWeight:    -10,
		IPColocationFactorThreshold: 8,
		IPColocationFactorWhitelist: loopbackNets(),
		BehaviourPenaltyWeight:      -10,
		BehaviourPenaltyThreshold:   6,
		BehaviourPenaltyDecay:       pubsub.ScoreParameterDecay(10 * time.Minute),
		DecayInterval:               pubsub.DefaultDecayInterval,
		DecayToZero:                 pubsub.DefaultDecayToZero,
		RetainScore:                 30 * time.Minute,
	}
}

// OfferTopicScoreParams scores peers on TopicName. Offers are rare (one per
// provider per heartbeat), so mesh-delivery quotas (P3) are off: an honest
// quiet mesh would be penalized. Time in mesh and first deliveries earn a
// little; every invalid offer (a validator Reject) costs its count squared
// times -10, decaying over 30 min.
func OfferTopicScoreParams() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		TopicWeight:                    1,
		TimeInMeshWeight:               0.01,
		TimeInMeshQuantum:              time.Second,
		TimeInMeshCap:                  300,
		FirstMessageDeliveriesWeight:   1,
		FirstMessageDeliveriesDecay:    pubsub.ScoreParameterDecay(10 * time.Minute),
		FirstMessageDeliveriesCap:      20,
		InvalidMessageDeliveriesWeight: -10,
		InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(30 * time.Minute),
	}
}

func loopbackNets() []*net.IPNet {
	return []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
}
