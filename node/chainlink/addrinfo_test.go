package chainlink

import (
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/gpunet/gpunet/stake/types"
)

func TestAddrInfo(t *testing.T) {
	key, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := peer.IDFromPrivateKey(key)
	tests := []struct {
		name  string
		peer  string
		addrs []string
		want  []string
		err   string
	}{
		{"plain and with /p2p", id.String(), []string{"/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + id.String()},
			[]string{"/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1"}, ""},
		{"garbage skipped", id.String(), []string{"not-an-addr", "/ip4/10.0.0.1/tcp/1"}, []string{"/ip4/10.0.0.1/tcp/1"}, ""},
		{"no usable address", id.String(), []string{"nope"}, nil, "no usable address"},
		{"bad peer id", "not a peer ID", []string{"/ip4/127.0.0.1/tcp/1"}, nil, "registered peer ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := AddrInfo(types.Provider{Address: "gpunet1x", PeerId: tt.peer, Multiaddrs: tt.addrs})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want it to say %q", err, tt.err)
				}
				return
			}
			if err != nil || info.ID != id {
				t.Fatalf("info %v, err %v", info, err)
			}
			var got []string
			for _, a := range info.Addrs {
				got = append(got, a.String())
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("addrs %v, want %v", got, tt.want)
			}
		})
	}
}
