package inputs

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// maxRedirects is how many redirects one input may follow.
const maxRedirects = 5

// newHTTPClient returns a client whose every connection, redirects
// included, goes through policy at dial time. It uses no proxy: the
// address check must see the real peer.
func newHTTPClient(policy func(netip.AddrPort) error, checkRedirect func(*http.Request, []*http.Request) error) *http.Client {
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   dialControl(policy),
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t, CheckRedirect: checkRedirect}
}

// limitRedirects stops after maxRedirects redirects.
func limitRedirects(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("stopped after %d redirects at %s: %w; point the URI at the file itself", maxRedirects, req.URL.Redacted(), ErrRefused)
	}
	return nil
}

// sameHostRedirects lets the gateway redirect only within its own host
// (or a subdomain of it, as subdomain gateways do), at most maxRedirects
// times: the gateway is exempt from the address check, its redirects
// must not be.
func sameHostRedirects(host string) func(*http.Request, []*http.Request) error {
	host = strings.ToLower(host)
	return func(req *http.Request, via []*http.Request) error {
		if err := limitRedirects(req, via); err != nil {
			return err
		}
		h := strings.ToLower(req.URL.Hostname())
		if h != host && !strings.HasSuffix(h, "."+host) {
			return fmt.Errorf("ipfs gateway redirected to another host %q: %w; configure a path gateway that serves /ipfs/CID itself", h, ErrRefused)
		}
		return nil
	}
}

// openHTTP sends a GET for rawURL and returns the body and its length (-1
// when unknown). A status other than 2xx is an error naming it.
func openHTTP(ctx context.Context, c *http.Client, rawURL string) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("build request: %w", err)
	}
	// The hash is over the bytes as served: ask for no content coding, so
	// the transport does not decompress a .gz file behind our back.
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("User-Agent", "gpunet-inputs/1")
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, err // *url.Error: names the method and URL
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, 0, fmt.Errorf("server answered %q; check that the URI serves the file to anyone, without login (404: the file is gone or the URI is wrong)", resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
}
