package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/internal/testnode"
	"github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/stake/types"
)

func nodeConfig(t *testing.T, n *testnet.Network, key string, bootstrap []string) node.Config {
	return testnode.Config(t, n, key, bootstrap)
}

// startNode runs a provider node without GPUs until the test ends.
func startNode(t *testing.T, cfg node.Config) *node.Node {
	nd, _ := testnode.Start(t, cfg, node.Deps{})
	return nd
}

func startNodeWith(t *testing.T, cfg node.Config, deps node.Deps) *node.Node {
	nd, _ := testnode.Start(t, cfg, deps)
	return nd
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		_ = json.NewDecoder(res.Body).Decode(v)
	}
	return res.StatusCode
}

// TestProvidersRegisterAndSeeEachOthersOffers: two provider nodes register
// themselves on the chain with their peer IDs, find each other through a
// bootstrap peer and each holds the other's signed offer.
func TestProvidersRegisterAndSeeEachOthersOffers(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	a := startNode(t, nodeConfig(t, n, "provider1", nil))
	b := startNode(t, nodeConfig(t, n, "provider2", a.P2PAddrs()))

	for _, nd := range []*node.Node{a, b} {
		addr := nd.Status().ChainAddress
		eventually(t, addr+" registered with its peer ID", func() bool {
			res, err := n.Client.Query.Provider(n.Ctx(), &types.QueryProviderRequest{Address: addr})
			return err == nil && res.Provider.PeerId == nd.PeerID().String()
		})
	}
	sees := func(viewer, of *node.Node) func() bool {
		return func() bool {
			for _, o := range viewer.Offers() {
				if o.PeerID == of.PeerID() && o.ChainAddress == of.Status().ChainAddress && o.PricePerGPUHour == "2000000" {
					return true
				}
			}
			return false
		}
	}
	eventually(t, "provider2's offer at provider1", sees(a, b))
	eventually(t, "provider1's offer at provider2", sees(b, a))

	var ready map[string]string
	if code := getJSON(t, "http://"+a.HTTPAddr()+"/readyz", &ready); code != 200 {
		t.Fatalf("/readyz of a registered node: %d %v", code, ready)
	}
	var offers []node.OfferView
	if code := getJSON(t, "http://"+a.HTTPAddr()+"/api/v1/offers", &offers); code != 200 || len(offers) != 2 {
		t.Fatalf("/api/v1/offers: %d %+v", code, offers)
	}
	res, err := http.Get("http://" + a.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, m := range []string{"gpunet_p2p_peers", "gpunet_offers_accepted_total"} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

// TestNodeWaitsForChain: pointed at a chain that is down, the node runs,
// reports not ready with the reason, and registers once the chain is back.
func TestNodeWaitsForChain(t *testing.T) {
	n := testnet.New(t, testnet.DefaultOptions())
	cfg := nodeConfig(t, n, "provider1", nil)
	n.Stop()
	nd := startNode(t, cfg)
	var ready map[string]string
	eventually(t, "/readyz to say what it waits for", func() bool {
		return getJSON(t, "http://"+nd.HTTPAddr()+"/readyz", &ready) == 503 && strings.Contains(ready["reason"], "waiting for the chain")
	})
	n.Start()
	eventually(t, "registration after the chain came back", func() bool {
		return getJSON(t, "http://"+nd.HTTPAddr()+"/readyz", nil) == 200
	})
}
