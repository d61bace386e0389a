package e2e

import (
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	gogoproto "github.com/cosmos/gogoproto/proto"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// blockTime is the header time of a committed block.
func (c *chain) blockTime(h int64) time.Time {
	c.t.Helper()
	res, err := c.rpc.Header(c.ctx, &h)
	if err != nil {
		c.t.Fatalf("header of block %d: %v", h, err)
	}
	return res.Header.Time
}

// blockEvents are the events a block emitted outside transactions
// (BeginBlock/EndBlock, including AfterEndBlock and the EndBlocker).
func (c *chain) blockEvents(h int64) []abci.Event {
	c.t.Helper()
	res, err := c.rpc.BlockResults(c.ctx, &h)
	if err != nil {
		c.t.Fatalf("results of block %d: %v", h, err)
	}
	return res.FinalizeBlockEvents
}

// typedEvent is a decoded typed event and the block that emitted it.
type typedEvent struct {
	height int64
	msg    gogoproto.Message
}

// findBlockEvents decodes the block-level events of type T (e.g.
// *types.EventUnbondingMatured) emitted in blocks from..to.
func findBlockEvents[T gogoproto.Message](c *chain, from, to int64) []typedEvent {
	c.t.Helper()
	var zero T
	name := gogoproto.MessageName(zero)
	var out []typedEvent
	for h := from; h <= to; h++ {
		for _, ev := range c.blockEvents(h) {
			if ev.Type != name {
				continue
			}
			// The SDK tags block events with mode=BeginBlock/EndBlock, a
			// plain string that is not part of the typed event's JSON.
			typed := abci.Event{Type: ev.Type}
			for _, a := range ev.Attributes {
				if a.Key != "mode" {
					typed.Attributes = append(typed.Attributes, a)
				}
			}
			msg, err := sdk.ParseTypedEvent(typed)
			if err != nil {
				c.t.Fatalf("decode %s in block %d: %v", name, h, err)
			}
			out = append(out, typedEvent{height: h, msg: msg})
		}
	}
	return out
}
