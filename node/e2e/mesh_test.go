package e2e

import (
	"fmt"
	"testing"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/node"
)

// TestFiveProvidersThroughOneBootstrapPeer: five full provider nodes, four
// of which know only the first, register on the chain, find each other and
// each ends up holding all five signed offers (its own and four relayed).
func TestFiveProvidersThroughOneBootstrapPeer(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	keys := []string{"provider1", "provider2", "alice", "bob", "verifier1"}
	nodes := []*node.Node{startNode(t, nodeConfig(t, n, keys[0], nil))}
	for _, key := range keys[1:] {
		nodes = append(nodes, startNode(t, nodeConfig(t, n, key, nodes[0].P2PAddrs())))
	}
	for i, nd := range nodes {
		eventually(t, fmt.Sprintf("node %d (%s) to hold all five offers", i, keys[i]), func() bool {
			seen := map[string]bool{}
			for _, o := range nd.Offers() {
				seen[o.PeerID.String()] = true
			}
			for _, other := range nodes {
				if !seen[other.PeerID().String()] {
					return false
				}
			}
			return true
		})
	}
}
