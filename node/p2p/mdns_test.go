package p2p

import (
	"os"
	"testing"
)

// TestMDNSDiscoveryOnLAN sends real multicast DNS on the machine's interfaces,
// so it runs only when GPUNET_TEST_MDNS=1 (never in CI).
func TestMDNSDiscoveryOnLAN(t *testing.T) {
	if os.Getenv("GPUNET_TEST_MDNS") != "1" {
		t.Skip("sends multicast beyond loopback; set GPUNET_TEST_MDNS=1 to run")
	}
	cfg := testConfig()
	cfg.EnableMDNS = true
	a := startHost(t, "a", cfg, newKey(t), nil)
	b := startHost(t, "b", cfg, newKey(t), nil)
	eventually(t, meshTimeout, "a and b to find each other by mDNS", func() bool { return connected(a, b) })
}
