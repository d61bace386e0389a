package inputs

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// extraBlocked are ranges that the netip predicates do not cover but that
// reach no public host either.
var extraBlocked = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "in 0.0.0.0/8 (this network)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64 (64:ff9b::/96), which can embed a private IPv4 address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64 (64:ff9b:1::/48)"},
}

// privateKind says why addr is not a public address, or "" when it is.
func privateKind(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast():
		return "link-local"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	for _, b := range extraBlocked {
		if b.prefix.Contains(addr) {
			return b.what
		}
	}
	return ""
}

// checkPublic refuses an address that is not public. It is the default
// dial policy.
func checkPublic(ap netip.AddrPort) error {
	if kind := privateKind(ap.Addr()); kind != "" {
		return fmt.Errorf("address %s is %s: %w; this provider fetches http(s) inputs from public addresses only: serve the file from a public host or publish it on IPFS", ap.Addr(), kind, ErrRefused)
	}
	return nil
}

// dialControl runs policy on the address a connection is about to be made
// to, after name resolution, so DNS names and redirects that lead to a
// refused address are caught as well.
func dialControl(policy func(netip.AddrPort) error) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("check dial address %q: %w", address, ErrRefused)
		}
		addr, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("check dial address %q: not an IP address: %w", address, ErrRefused)
		}
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return fmt.Errorf("check dial address %q: bad port: %w", address, ErrRefused)
		}
		return policy(netip.AddrPortFrom(addr.WithZone(""), uint16(p)))
	}
}
