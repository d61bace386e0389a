package inputs

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/gpunet/gpunet/stake/jobspec"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testServer is an httptest server on 127.0.0.1 only, counting requests.
type testServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newServer(t *testing.T, h http.Handler) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &testServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// newFetcher builds a fetcher on a fresh cache that may reach 127.0.0.1,
// as tests need; edit changes the config first.
func newFetcher(t *testing.T, edit func(*Config), opts ...Option) *Fetcher {
	t.Helper()
	cfg := DefaultConfig(filepath.Join(t.TempDir(), "cache"))
	cfg.AllowPrivateNetworks = true
	if edit != nil {
		edit(&cfg)
	}
	f, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

func input(uri string, data []byte) jobspec.Input {
	return jobspec.Input{URI: uri, SHA256: sum(data)}
}

// dirNames lists the names in dir; a missing dir is empty.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("read dir: %v", err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// checkNothingLeft asserts that a failed fetch left no file in dst and
// nothing in the cache.
func checkNothingLeft(t *testing.T, f *Fetcher, dst string) {
	t.Helper()
	if n := dirNames(t, dst); len(n) > 0 {
		t.Errorf("dst holds %v after a failed fetch", n)
	}
	for _, sub := range []string{blobDir, tmpDir} {
		if n := dirNames(t, filepath.Join(f.cfg.CacheDir, sub)); len(n) > 0 {
			t.Errorf("cache %s holds %v after a failed fetch", sub, n)
		}
	}
}

// checkPlaced asserts that dst/name holds want, read-only.
func checkPlaced(t *testing.T, dst, name string, want []byte) {
	t.Helper()
	p := filepath.Join(dst, name)
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read placed input: %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s holds %q, want %q", name, got, want)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode(); m != 0o444 {
		t.Errorf("%s has mode %v, want 0444", name, m)
	}
}
