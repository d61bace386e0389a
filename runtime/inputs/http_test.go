package inputs

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpunet/gpunet/stake/jobspec"
)

func TestFetchHTTP(t *testing.T) {
	data := []byte("weights and measures\n")
	big := []byte(strings.Repeat("x", 1000))
	mux := http.NewServeMux()
	mux.HandleFunc("/data.bin", func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	mux.HandleFunc("/big.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	})
	mux.HandleFunc("/chunked.bin", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 10; i++ { // each flush sends a chunk: no Content-Length
			w.Write(big[:100])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/old.bin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/data.bin", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/gone.bin", http.NotFound)
	srv := newServer(t, mux)

	tests := []struct {
		name     string
		in       jobspec.Input
		maxBytes int64
		want     []byte // placed content when the fetch succeeds
		wantErr  error
		wantMsg  []string
	}{
		{name: "good", in: input(srv.URL+"/data.bin", data), want: data},
		{name: "exact budget", in: input(srv.URL+"/data.bin", data), maxBytes: int64(len(data)), want: data},
		{name: "named", in: jobspec.Input{Name: "w.bin", URI: srv.URL + "/data.bin", SHA256: sum(data)}, want: data},
		{name: "redirect", in: input(srv.URL+"/old.bin", data), want: data},
		{
			name:    "hash mismatch",
			in:      input(srv.URL+"/data.bin", []byte("other")),
			wantErr: ErrHashMismatch,
			wantMsg: []string{"inputs[0]", srv.URL + "/data.bin", sum(data), sum([]byte("other")), "sha256sum"},
		},
		{name: "404", in: input(srv.URL+"/gone.bin", data), wantMsg: []string{"inputs[0]", "404 Not Found"}},
		{name: "too large by length", in: input(srv.URL+"/big.bin", big), maxBytes: 999, wantErr: ErrTooLarge, wantMsg: []string{"1000 bytes", "disk_mib"}},
		{name: "too large chunked", in: input(srv.URL+"/chunked.bin", big), maxBytes: 999, wantErr: ErrTooLarge, wantMsg: []string{"cut off at 1000 bytes"}},
		{name: "chunked fits", in: input(srv.URL+"/chunked.bin", big), maxBytes: 1000, want: big},
		{name: "redirect loop", in: input(srv.URL+"/loop", data), wantErr: ErrRefused, wantMsg: []string{"5 redirects"}},
		{name: "scheme", in: input("ftp://example.com/x.bin", data), wantErr: ErrRefused},
		{name: "unsafe name", in: jobspec.Input{Name: "../x", URI: srv.URL + "/data.bin", SHA256: sum(data)}, wantErr: jobspec.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(t, nil)
			dst := filepath.Join(t.TempDir(), "in")
			err := f.Fetch(t.Context(), []jobspec.Input{tt.in}, dst, tt.maxBytes)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				checkPlaced(t, dst, tt.in.FileName(), tt.want)
				st, err := os.Stat(dst)
				if err != nil || st.Mode().Perm() != 0o755 {
					t.Errorf("dst mode %v (%v), want 0755", st.Mode(), err)
				}
				return
			}
			if err == nil {
				t.Fatal("Fetch succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not match %v", err, tt.wantErr)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			checkNothingLeft(t, f, dst)
		})
	}
}

func TestCachedInputNotRefetched(t *testing.T) {
	data := []byte("cached bytes")
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	f := newFetcher(t, nil)
	in := input(srv.URL+"/c.bin", data)
	for i := range 3 {
		dst := filepath.Join(t.TempDir(), "in")
		if err := f.Fetch(t.Context(), []jobspec.Input{in}, dst, 0); err != nil {
			t.Fatalf("Fetch %d: %v", i, err)
		}
		checkPlaced(t, dst, "c.bin", data)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("server hit %d times, want 1", n)
	}
	// Fetching again into a dir that already holds the file replaces it.
	dst := filepath.Join(t.TempDir(), "in")
	for range 2 {
		if err := f.Fetch(t.Context(), []jobspec.Input{in}, dst, 0); err != nil {
			t.Fatalf("Fetch into same dir: %v", err)
		}
	}
	if n := dirNames(t, dst); len(n) != 1 {
		t.Errorf("dst holds %v, want just c.bin", n)
	}
	// A cache hit still counts against the budget.
	err := f.Fetch(t.Context(), []jobspec.Input{in}, filepath.Join(t.TempDir(), "in"), 3)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("cache hit over budget: got %v, want ErrTooLarge", err)
	}
}

func TestBudgetIsShared(t *testing.T) {
	a, b := []byte(strings.Repeat("a", 600)), []byte(strings.Repeat("b", 600))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a.bin" {
			w.Write(a)
		} else {
			w.Write(b)
		}
	}))
	f := newFetcher(t, nil)
	dst := filepath.Join(t.TempDir(), "in")
	err := f.Fetch(t.Context(), []jobspec.Input{input(srv.URL+"/a.bin", a), input(srv.URL+"/b.bin", b)}, dst, 1000)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "inputs[1]") {
		t.Fatalf("got %v, want ErrTooLarge for inputs[1]", err)
	}
	if n := dirNames(t, dst); len(n) != 1 || n[0] != "a.bin" {
		t.Errorf("dst holds %v, want only a.bin", n)
	}
}

func TestDuplicateNamesRefusedBeforeFetching(t *testing.T) {
	data := []byte("x")
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	f := newFetcher(t, nil)
	in := input(srv.URL+"/x.bin", data)
	err := f.Fetch(t.Context(), []jobspec.Input{in, in}, filepath.Join(t.TempDir(), "in"), 0)
	if !errors.Is(err, jobspec.ErrInvalid) || !strings.Contains(err.Error(), "inputs[1]") {
		t.Fatalf("got %v, want ErrInvalid for inputs[1]", err)
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("server hit %d times, want 0", n)
	}
}

func TestPrivateAddressRefused(t *testing.T) {
	data := []byte("metadata")
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	f := newFetcher(t, func(c *Config) { c.AllowPrivateNetworks = false })
	dst := filepath.Join(t.TempDir(), "in")
	for _, uri := range []string{srv.URL + "/m.bin", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/m.bin"} {
		err := f.Fetch(t.Context(), []jobspec.Input{input(uri, data)}, dst, 0)
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("%s: got %v, want ErrRefused", uri, err)
		}
		if !strings.Contains(err.Error(), "loopback") || !strings.Contains(err.Error(), "inputs[0]") {
			t.Errorf("error %q does not name the field and the reason", err)
		}
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("server hit %d times, want 0", n)
	}
	checkNothingLeft(t, f, dst)
}

func TestRedirectToRefusedAddress(t *testing.T) {
	data := []byte("secret")
	inner := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	outer := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/s.bin", http.StatusFound)
	}))
	innerPort := inner.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	f := newFetcher(t, nil)
	// Stand-in for "the outer server is public, the inner one is not".
	f.checkAddr = func(ap netip.AddrPort) error {
		if ap.Port() == innerPort {
			return checkPublic(ap)
		}
		return nil
	}
	dst := filepath.Join(t.TempDir(), "in")
	err := f.Fetch(t.Context(), []jobspec.Input{input(outer.URL+"/s.bin", data)}, dst, 0)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("got %v, want ErrRefused", err)
	}
	if outer.hits.Load() != 1 || inner.hits.Load() != 0 {
		t.Errorf("hits outer=%d inner=%d, want 1 and 0", outer.hits.Load(), inner.hits.Load())
	}
	checkNothingLeft(t, f, dst)
}

func TestContextCancel(t *testing.T) {
	chunk := []byte(strings.Repeat("z", 1<<20))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(chunk)
		w.Write(chunk)
		w.(http.Flusher).Flush()
		select { // stall until the client gives up
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	in := input(srv.URL+"/slow.bin", []byte("never"))

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		f := newFetcher(t, nil, WithProgress(func(_ string, done, _ int64) {
			if done > 0 {
				cancel()
			}
		}))
		dst := filepath.Join(t.TempDir(), "in")
		err := f.Fetch(ctx, []jobspec.Input{in}, dst, 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		checkNothingLeft(t, f, dst)
	})
	t.Run("timeout", func(t *testing.T) {
		f := newFetcher(t, func(c *Config) { c.Timeout = 300 * time.Millisecond })
		dst := filepath.Join(t.TempDir(), "in")
		err := f.Fetch(t.Context(), []jobspec.Input{in}, dst, 0)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Timeout") {
			t.Fatalf("got %v, want a timeout naming Timeout", err)
		}
		checkNothingLeft(t, f, dst)
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		f := newFetcher(t, nil)
		err := f.Fetch(ctx, []jobspec.Input{in}, filepath.Join(t.TempDir(), "in"), 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func TestProgress(t *testing.T) {
	data := []byte(strings.Repeat("p", 3<<20))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	var calls [][2]int64
	f := newFetcher(t, nil, WithProgress(func(name string, done, total int64) {
		if name != "p.bin" {
			t.Errorf("progress for %q", name)
		}
		calls = append(calls, [2]int64{done, total})
	}))
	if err := f.Fetch(t.Context(), []jobspec.Input{input(srv.URL+"/p.bin", data)}, filepath.Join(t.TempDir(), "in"), 0); err != nil {
		t.Fatal(err)
	}
	n := int64(len(data))
	if len(calls) < 2 || calls[0] != [2]int64{0, n} || calls[len(calls)-1] != [2]int64{n, n} {
		t.Errorf("progress calls %v, want from (0,%d) to (%d,%d)", calls, n, n, n)
	}
}

func TestIPFS(t *testing.T) {
	data := []byte("pinned")
	const cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	gw := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ipfs/" + cid + "/dir/model.bin", "/ipfs/" + cid:
			w.Write(data)
		case "/ipfs/" + cid + "/away":
			http.Redirect(w, r, "http://example.invalid/x", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	tests := []struct {
		name    string
		gateway string
		uri     string
		file    string
		wantErr error
		wantMsg string
	}{
		{name: "path", gateway: gw.URL, uri: "ipfs://" + cid + "/dir/model.bin", file: "model.bin"},
		{name: "bare CID, trailing slash", gateway: gw.URL + "/", uri: "ipfs://" + cid, file: cid},
		{name: "no gateway", uri: "ipfs://" + cid + "/dir/model.bin", wantErr: ErrRefused, wantMsg: "gateway"},
		{name: "redirect off gateway", gateway: gw.URL, uri: "ipfs://" + cid + "/away", wantErr: ErrRefused, wantMsg: "another host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The gateway is the operator's and exempt from the address check.
			f := newFetcher(t, func(c *Config) { c.IPFSGateway, c.AllowPrivateNetworks = tt.gateway, false })
			dst := filepath.Join(t.TempDir(), "in")
			err := f.Fetch(t.Context(), []jobspec.Input{input(tt.uri, data)}, dst, 0)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				checkPlaced(t, dst, tt.file, data)
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %v, want %v mentioning %q", err, tt.wantErr, tt.wantMsg)
			}
			checkNothingLeft(t, f, dst)
		})
	}
}

func TestCopyWhenLinkFails(t *testing.T) {
	data := []byte("copied")
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	f := newFetcher(t, nil)
	f.link = func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: errEXDEV}
	}
	dst := filepath.Join(t.TempDir(), "in")
	if err := f.Fetch(t.Context(), []jobspec.Input{input(srv.URL+"/c.bin", data)}, dst, 0); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkPlaced(t, dst, "c.bin", data)
	if n := dirNames(t, dst); len(n) != 1 {
		t.Errorf("dst holds %v, want just c.bin", n)
	}
}

func TestGatewayURL(t *testing.T) {
	f := newFetcher(t, func(c *Config) { c.IPFSGateway = "http://127.0.0.1:8080/" })
	u, _ := url.Parse("ipfs://bafy/a%20b/c.bin")
	if got, want := f.gatewayURL(u), "http://127.0.0.1:8080/ipfs/bafy/a%20b/c.bin"; got != want {
		t.Errorf("gatewayURL = %q, want %q", got, want)
	}
}
