package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

type readiness struct{ err error }

func (r *readiness) Ready(context.Context) error { return r.err }

func TestEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	peers := prometheus.NewGauge(prometheus.GaugeOpts{Name: "gpunet_p2p_peers", Help: "peers"})
	reg.MustRegister(peers)
	peers.Set(4)
	ready := &readiness{err: errors.New("waiting for the chain at 127.0.0.1:9090")}
	s, err := Listen(Config{
		Listen:    "127.0.0.1:0",
		Gatherer:  reg,
		Readiness: ready,
		Routes: map[string]Source{
			"offers": func(context.Context) (any, error) { return []string{"offer-1"}, nil },
			"broken": func(context.Context) (any, error) { return nil, errors.New("store closed") },
		},
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("bound %s, want loopback", s.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/healthz", 200, `"ok"`},
		{"/readyz", 503, "waiting for the chain"},
		{"/metrics", 200, "gpunet_p2p_peers 4"},
		{"/api/v1/offers", 200, "offer-1"},
		{"/api/v1/broken", 500, "store closed"},
		{"/api/v1/nothing", 404, ""},
	} {
		if code, body := get(tc.path); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %q; want %d containing %q", tc.path, code, body, tc.code, tc.want)
		}
	}
	ready.err = nil
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Errorf("GET /readyz when ready: %d %s", code, body)
	}
}

func TestListenNeedsAnAddress(t *testing.T) {
	if _, err := Listen(Config{}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "[http] listen") {
		t.Fatalf("Listen without an address: %v", err)
	}
}
