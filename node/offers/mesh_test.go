package offers

import (
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// meshTracer follows a node's gossipsub mesh on TopicName, so tests can wait
// until relays are in place instead of sleeping. Only Graft and Prune matter.
type meshTracer struct {
	mu   sync.Mutex
	mesh map[peer.ID]bool
}

var _ pubsub.RawTracer = (*meshTracer)(nil)

func newMeshTracer() *meshTracer { return &meshTracer{mesh: make(map[peer.ID]bool)} }

func (m *meshTracer) has(p peer.ID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mesh[p]
}

func (m *meshTracer) Graft(p peer.ID, topic string) {
	if topic == TopicName {
		m.mu.Lock()
		m.mesh[p] = true
		m.mu.Unlock()
	}
}

func (m *meshTracer) Prune(p peer.ID, topic string) {
	if topic == TopicName {
		m.mu.Lock()
		delete(m.mesh, p)
		m.mu.Unlock()
	}
}

func (*meshTracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (*meshTracer) OnClosedOutboundStream(peer.ID)                       {}
func (*meshTracer) Join(string)                                          {}
func (*meshTracer) Leave(string)                                         {}
func (*meshTracer) ValidateMessage(*pubsub.Message)                      {}
func (*meshTracer) DeliverMessage(*pubsub.Message)                       {}
func (*meshTracer) RejectMessage(*pubsub.Message, string)                {}
func (*meshTracer) DuplicateMessage(*pubsub.Message)                     {}
func (*meshTracer) ThrottlePeer(peer.ID)                                 {}
func (*meshTracer) RecvRPC(*pubsub.RPC)                                  {}
func (*meshTracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (*meshTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (*meshTracer) DropRPC(*pubsub.RPC, peer.ID)                         {}
func (*meshTracer) UndeliverableMessage(*pubsub.Message)                 {}
