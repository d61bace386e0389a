package gpu

import (
	"context"
	"io"
)

// Null is the Source of a machine that has no usable GPUs: it always
// reports none, with Reason, so a CPU-only node runs instead of failing.
type Null struct {
	Reason string
}

var (
	_ Source    = Null{}
	_ io.Closer = Null{}
)

// Inventory reports no GPUs.
func (n Null) Inventory(ctx context.Context) (Inventory, error) {
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	return Inventory{Available: false, Reason: n.Reason, GPUs: []GPU{}}, nil
}

// Close does nothing; it lets callers close whatever Detect returned.
func (Null) Close() error { return nil }
