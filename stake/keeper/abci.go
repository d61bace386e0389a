package keeper

import "context"

// EndBlocker matures the unbonding entries that are due. It touches only
// due entries, so its cost does not grow with the queue.
func (k Keeper) EndBlocker(ctx context.Context) error {
	return k.MatureUnbonding(ctx)
}
