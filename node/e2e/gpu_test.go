//go:build cgo

package e2e

import (
	"io"
	"log/slog"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/node/gpu"
	"github.com/gpunet/gpunet/node/gpu/gputest"
	"github.com/gpunet/gpunet/stake/types"
)

// TestGPUFailureUpdatesChainAndOffer: an 8-GPU provider (go-nvml's mock
// DGX A100) registers 8 GPUs; when one GPU reports pending retired pages,
// the chain entry and the signed offer drop to 7 without a restart.
func TestGPUFailureUpdatesChainAndOffer(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	server := gputest.DGXA100()
	cfg := nodeConfig(t, n, "provider1", nil)
	cfg.Offer.Inventory = "200ms"
	nd := startNodeWith(t, cfg, node.Deps{GPUs: gpu.NewNVML(server, slog.New(slog.NewTextHandler(io.Discard, nil)))})
	observer := startNode(t, nodeConfig(t, n, "provider2", nd.P2PAddrs()))

	chainGPUs := func() uint32 {
		res, err := n.Client.Query.Provider(n.Ctx(), &types.QueryProviderRequest{Address: nd.Status().ChainAddress})
		if err != nil || len(res.Provider.Gpus) != 1 {
			return 0
		}
		return res.Provider.Gpus[0].Count
	}
	offered := func() uint32 {
		for _, o := range observer.Offers() {
			if o.PeerID == nd.PeerID() && len(o.FreeGPUs) == 1 {
				return o.FreeGPUs[0].Count
			}
		}
		return 0
	}
	eventually(t, "8 GPUs registered", func() bool { return chainGPUs() == 8 })
	eventually(t, "an offer of 8 GPUs at the other provider", func() bool { return offered() == 8 })

	gputest.Device(server, 5).GetRetiredPagesPendingStatusFunc = func() (nvml.EnableState, nvml.Return) {
		return nvml.FEATURE_ENABLED, nvml.SUCCESS
	}
	eventually(t, "the chain entry to drop to 7 GPUs", func() bool { return chainGPUs() == 7 })
	eventually(t, "the offer to drop to 7 GPUs", func() bool { return offered() == 7 })
}
