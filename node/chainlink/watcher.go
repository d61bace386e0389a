package chainlink

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// Event is one typed event the chain emitted, e.g.
// "gpunet.stake.v1.EventProviderRegistered", with its attributes.
type Event struct {
	Height     int64
	Type       string
	Attributes map[string]string
}

// Watcher follows the chain's gpunet events over CometBFT's websocket.
type Watcher struct {
	rpcAddr string
	logger  *slog.Logger
	// StallTimeout: no block for this long means the link is dead (the
	// websocket client can give up silently), so reconnect.
	StallTimeout time.Duration
	// Retry is the pause between reconnection attempts.
	Retry time.Duration
}

// NewWatcher follows the chain whose CometBFT RPC is at rpcAddr
// (tcp://host:port or host:port).
func NewWatcher(rpcAddr string, logger *slog.Logger) *Watcher {
	if !strings.Contains(rpcAddr, "://") {
		rpcAddr = "tcp://" + rpcAddr
	}
	return &Watcher{rpcAddr: rpcAddr, logger: logger, StallTimeout: 20 * time.Second, Retry: 2 * time.Second}
}

// Run calls handle for every gpunet event, in block order, until ctx ends.
// It reconnects after the chain restarts; events emitted while it was away
// are not replayed, so handlers must treat an event as a hint to re-read
// state, never as the state itself.
func (w *Watcher) Run(ctx context.Context, handle func(Event)) error {
	away := false
	for ctx.Err() == nil {
		err := w.follow(ctx, handle, func() {
			if away {
				w.logger.Info("following chain events again", "rpc", w.rpcAddr)
			}
			away = false
		})
		if ctx.Err() != nil {
			return nil
		}
		if !away {
			w.logger.Warn("lost the chain's event stream; reconnecting", "rpc", w.rpcAddr, "reason", err.Error())
			away = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.Retry):
		}
	}
	return nil
}

func (w *Watcher) follow(ctx context.Context, handle func(Event), connected func()) error {
	c, err := rpchttp.New(w.rpcAddr, "/websocket")
	if err != nil {
		return fmt.Errorf("create RPC client: %w", err)
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("connect websocket: %w", err)
	}
	defer func() { _ = c.Stop() }()
	subCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	txs, err := c.Subscribe(subCtx, "gpunet", cmttypes.EventQueryTx.String(), 64)
	if err != nil {
		return fmt.Errorf("subscribe to txs: %w", err)
	}
	blocks, err := c.Subscribe(subCtx, "gpunet", cmttypes.EventQueryNewBlockEvents.String(), 64)
	if err != nil {
		return fmt.Errorf("subscribe to block events: %w", err)
	}
	connected()
	stall := time.NewTimer(w.StallTimeout)
	defer stall.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stall.C:
			return fmt.Errorf("no block for %s", w.StallTimeout)
		case ev := <-txs:
			dispatch(ev, handle)
		case ev := <-blocks:
			stall.Reset(w.StallTimeout)
			dispatch(ev, handle)
		}
	}
}

// dispatch passes on the gpunet events of a tx or a block.
func dispatch(ev ctypes.ResultEvent, handle func(Event)) {
	var (
		height int64
		events []abciEvent
	)
	switch d := ev.Data.(type) {
	case cmttypes.EventDataTx:
		height = d.Height
		for _, e := range d.Result.Events {
			events = append(events, abciEvent{e.Type, e.Attributes})
		}
	case cmttypes.EventDataNewBlockEvents:
		height = d.Height
		for _, e := range d.Events {
			events = append(events, abciEvent{e.Type, e.Attributes})
		}
	default:
		return
	}
	for _, e := range events {
		if !strings.HasPrefix(e.typ, "gpunet.") {
			continue
		}
		attrs := make(map[string]string, len(e.attrs))
		for _, a := range e.attrs {
			attrs[a.Key] = strings.Trim(a.Value, `"`)
		}
		handle(Event{Height: height, Type: e.typ, Attributes: attrs})
	}
}

type abciEvent struct {
	typ   string
	attrs []abci.EventAttribute
}
