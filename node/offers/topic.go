package offers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// TopicName is the gossipsub topic offers travel on.
const TopicName = "gpunet/offers/1"

// subscriptionBuffer is how many validated offers may wait for the read loop.
const subscriptionBuffer = 256

// Topic is the node's membership in TopicName: the validator registered, a
// subscription, and a read loop feeding accepted offers into a View.
type Topic struct {
	ps     *pubsub.PubSub
	topic  *pubsub.Topic
	sub    *pubsub.Subscription
	view   *View
	self   peer.ID
	logger *slog.Logger

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Join registers v as TopicName's validator, joins and subscribes to the
// topic, and starts the read loop. The loop stops at Close or when ctx ends;
// Close must be called either way to leave the topic. Pass WithSelf(host ID)
// so the loop skips the node's own offers (PubSub does not expose its host),
// and WithView to feed an existing View; by default Join makes one on v's
// clock. A nil logger discards.
func Join(ctx context.Context, ps *pubsub.PubSub, v *Validator, logger *slog.Logger, opts ...Option) (*Topic, error) {
	if ps == nil || v == nil {
		return nil, fmt.Errorf("join offers topic: %w: nil pubsub or validator", ErrInvalidConfig)
	}
	o := buildOptions(append([]Option{WithLogger(logger), WithClock(v.clock)}, opts...))
	if o.view == nil {
		o.view = NewView(WithClock(o.clock))
	}
	if err := ps.RegisterTopicValidator(TopicName, v.Validate, pubsub.WithValidatorTimeout(v.cfg.Timeout)); err != nil {
		return nil, fmt.Errorf("register offer validator: %w", err)
	}
	topic, err := ps.Join(TopicName)
	if err != nil {
		_ = ps.UnregisterTopicValidator(TopicName)
		return nil, fmt.Errorf("join offers topic: %w", err)
	}
	sub, err := topic.Subscribe(pubsub.WithBufferSize(subscriptionBuffer))
	if err != nil {
		_ = topic.Close()
		_ = ps.UnregisterTopicValidator(TopicName)
		return nil, fmt.Errorf("subscribe offers topic: %w", err)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	t := &Topic{
		ps: ps, topic: topic, sub: sub, view: o.view, self: o.self,
		logger: o.logger.With("topic", TopicName),
		cancel: cancel, done: make(chan struct{}),
	}
	go t.readLoop(loopCtx)
	return t, nil
}

// readLoop moves validated offers into the view, skipping the node's own
// and any payload that is not an offer.
func (t *Topic) readLoop(ctx context.Context) {
	defer close(t.done)
	for {
		msg, err := t.sub.Next(ctx)
		if err != nil {
			return
		}
		if t.self != "" && (msg.ReceivedFrom == t.self || msg.GetFrom() == t.self) {
			continue
		}
		o, ok := msg.ValidatorData.(Offer)
		if !ok {
			// Only validated messages reach subscribers, so this is a
			// wiring bug (another validator); decode defensively.
			if o, err = Verify(msg.GetData()); err != nil {
				t.logger.Debug("skipping bad offer payload", "from", msg.GetFrom(), "err", err)
				continue
			}
		}
		t.view.Put(o)
	}
}

// Publish sends a signed offer (from Sign) to the topic. The local validator
// runs first, so an offer the network would reject fails here.
func (t *Topic) Publish(ctx context.Context, signed []byte) error {
	if err := t.topic.Publish(ctx, signed); err != nil {
		return fmt.Errorf("publish offer: %w", err)
	}
	return nil
}

// View is the live view this topic feeds.
func (t *Topic) View() *View { return t.view }

// ListPeers lists the peers subscribed to the topic that we are connected to.
func (t *Topic) ListPeers() []peer.ID { return t.topic.ListPeers() }

// Close stops the read loop, leaves the topic and unregisters the validator.
// It waits for the loop to exit; later calls return the first result.
func (t *Topic) Close() error {
	t.closeOnce.Do(func() {
		t.sub.Cancel()
		t.cancel()
		<-t.done
		t.closeErr = errors.Join(t.topic.Close(), t.ps.UnregisterTopicValidator(TopicName))
		if t.closeErr != nil {
			t.closeErr = fmt.Errorf("close offers topic: %w", t.closeErr)
		}
	})
	return t.closeErr
}
