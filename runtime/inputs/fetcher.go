package inputs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpunet/gpunet/stake/jobspec"
)

// Fetcher places a job's inputs in its input directory, through the cache.
// It is safe for concurrent use.
type Fetcher struct {
	cfg      Config
	log      *slog.Logger
	client   *http.Client // http(s) inputs
	gateway  *http.Client // ipfs inputs; the operator's gateway is trusted
	gwBase   string       // IPFSGateway without a trailing slash
	progress func(name string, done, total int64)

	// checkAddr is the dial-time address policy of the default client.
	checkAddr func(netip.AddrPort) error
	// link is os.Link; tests replace it to exercise the copy fallback.
	link func(oldname, newname string) error
}

// Option configures a Fetcher.
type Option func(*Fetcher)

// WithLogger sets the fetcher's logger.
func WithLogger(l *slog.Logger) Option { return func(f *Fetcher) { f.log = l } }

// WithHTTPClient replaces the default client for http(s) and ipfs inputs.
// The caller's client then owns the address policy: AllowPrivateNetworks
// is enforced only by the default client.
func WithHTTPClient(c *http.Client) Option {
	return func(f *Fetcher) { f.client, f.gateway = c, c }
}

// WithProgress reports each input's progress: bytes done and the total, -1
// when unknown. It is called at the start, about every MiB, and at the end
// of a download, and once for a cache hit.
func WithProgress(fn func(name string, done, total int64)) Option {
	return func(f *Fetcher) { f.progress = fn }
}

// New validates cfg and creates the cache directories.
func New(cfg Config, opts ...Option) (*Fetcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new input fetcher: %w", err)
	}
	cfg.Timeout = cfg.timeout()
	cfg.FileRoots = append([]string(nil), cfg.FileRoots...)
	f := &Fetcher{
		cfg:      cfg,
		log:      slog.New(slog.DiscardHandler),
		gwBase:   strings.TrimRight(cfg.IPFSGateway, "/"),
		progress: func(string, int64, int64) {},
		link:     os.Link,
	}
	f.checkAddr = checkPublic
	if cfg.AllowPrivateNetworks {
		f.checkAddr = func(netip.AddrPort) error { return nil }
	}
	// The closure reads f.checkAddr at dial time, so tests can narrow it.
	f.client = newHTTPClient(func(ap netip.AddrPort) error { return f.checkAddr(ap) }, limitRedirects)
	if cfg.IPFSGateway != "" {
		gu, _ := url.Parse(cfg.IPFSGateway) // checked by Validate
		f.gateway = newHTTPClient(func(netip.AddrPort) error { return nil }, sameHostRedirects(gu.Hostname()))
	}
	for _, o := range opts {
		o(f)
	}
	if f.progress == nil {
		f.progress = func(string, int64, int64) {}
	}
	f.log = f.log.With("component", "inputs")
	if err := initCache(cfg.CacheDir, time.Now()); err != nil {
		return nil, fmt.Errorf("new input fetcher: %w", err)
	}
	return f, nil
}

// Fetch makes dst hold every input under its FileName, verified against
// its sha256 and read-only (files 0444; dst is created 0755 if missing).
// maxBytes bounds the sum of the inputs (resources.disk_mib in bytes; 0
// means no bound); a download is cut off as soon as it exceeds its share.
// Inputs already in the cache are not fetched again. On error, the failing
// input leaves nothing in dst; inputs placed before it stay, and the
// caller removes dst when it gives up on the job.
func (f *Fetcher) Fetch(ctx context.Context, inputs []jobspec.Input, dst string, maxBytes int64) error {
	if dst == "" || !filepath.IsAbs(dst) {
		return fmt.Errorf("fetch inputs: input dir must be an absolute path (got %q)", dst)
	}
	if maxBytes < 0 {
		return fmt.Errorf("fetch inputs: byte budget must be >= 0 (got %d)", maxBytes)
	}
	srcs := make([]*url.URL, len(inputs))
	names := make(map[string]int, len(inputs))
	for i, in := range inputs {
		u, err := f.checkInput(in)
		if err != nil {
			return fmt.Errorf("fetch inputs[%d] %s: %w", i, in.URI, err)
		}
		name := in.FileName()
		if first, dup := names[name]; dup {
			return fmt.Errorf("fetch inputs[%d] %s: name %q is also the name of inputs[%d]: %w; give each input its own name", i, in.URI, name, first, jobspec.ErrInvalid)
		}
		names[name] = i
		srcs[i] = u
	}
	if err := makeDir(dst); err != nil {
		return fmt.Errorf("fetch inputs: %w", err)
	}
	left := int64(math.MaxInt64)
	if maxBytes > 0 {
		left = maxBytes
	}
	for i, in := range inputs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("fetch inputs[%d] %s: %w", i, in.URI, err)
		}
		n, err := f.fetchOne(ctx, in, srcs[i], dst, left)
		if err != nil {
			return fmt.Errorf("fetch inputs[%d] %s: %w", i, in.URI, err)
		}
		left -= n
	}
	return nil
}

// makeDir creates dst with mode 0755 (despite the umask) if it is missing.
func makeDir(dst string) error {
	if st, err := os.Stat(dst); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("input dir %s is not a directory", dst)
		}
		return nil
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("create input dir: %w", err)
	}
	if err := os.Chmod(dst, 0o755); err != nil {
		return fmt.Errorf("create input dir: %w", err)
	}
	return nil
}

// fetchOne places one input in dst and returns its size. left is the
// input's share of the budget.
func (f *Fetcher) fetchOne(ctx context.Context, in jobspec.Input, src *url.URL, dst string, left int64) (int64, error) {
	name := in.FileName()
	size, hit, err := f.lookup(in.SHA256)
	if err != nil {
		return 0, err
	}
	if hit {
		if size > left {
			return 0, tooLarge(size, left)
		}
		f.log.Debug("input in cache", "name", name, "sha256", in.SHA256, "bytes", size)
		f.progress(name, size, size)
	} else {
		start := time.Now()
		tctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
		size, err = f.download(tctx, in, src, left)
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return 0, fmt.Errorf("not fetched within %s: %w; use a faster source or raise the fetcher's Timeout", f.cfg.Timeout, err)
			}
			return 0, err
		}
		f.log.Info("input fetched", "name", name, "sha256", in.SHA256, "bytes", size, "took", time.Since(start))
	}
	if err := f.place(f.blobPath(in.SHA256), filepath.Join(dst, name)); err != nil {
		return 0, err
	}
	return size, nil
}

// download copies src into a temporary file in the cache, hashing as it
// writes, and commits it to the cache only if the hash matches.
func (f *Fetcher) download(ctx context.Context, in jobspec.Input, src *url.URL, left int64) (size int64, err error) {
	name := in.FileName()
	body, total, err := f.open(ctx, src)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	if total > left {
		return 0, tooLarge(total, left)
	}
	tmp, err := os.CreateTemp(filepath.Join(f.cfg.CacheDir, tmpDir), tmpPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("create download file: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	pw := &progressWriter{report: func(done int64) { f.progress(name, done, total) }}
	f.progress(name, 0, total)
	limit := left
	if limit < math.MaxInt64 {
		limit++ // one byte more than the share tells "too large" from "exact fit"
	}
	n, err := io.Copy(io.MultiWriter(tmp, h, pw), io.LimitReader(ctxReader{ctx, body}, limit))
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return 0, fmt.Errorf("download: %w", cerr)
		}
		return 0, fmt.Errorf("download: %w", err)
	}
	if n > left {
		return 0, fmt.Errorf("cut off at %d bytes: %w", n, tooLarge(n, left))
	}
	pw.finish(n)
	got := hex.EncodeToString(h.Sum(nil))
	if got != in.SHA256 {
		return 0, fmt.Errorf("fetched file has sha256 %s, the spec says %s: %w; the file behind the URI changed or the spec's sha256 is wrong: make the URI serve the intended file, or set the sha256 to what `sha256sum FILE` prints for it", got, in.SHA256, ErrHashMismatch)
	}
	if err := f.commit(tmp, got); err != nil {
		return 0, err
	}
	committed = true
	return n, nil
}

func tooLarge(size, left int64) error {
	return fmt.Errorf("input of %d bytes exceeds the %d bytes left of the job's disk budget: %w; raise resources.disk_mib or shrink the inputs", size, left, ErrTooLarge)
}

// open returns the input's bytes and their length, -1 when unknown.
func (f *Fetcher) open(ctx context.Context, u *url.URL) (io.ReadCloser, int64, error) {
	switch u.Scheme {
	case "http", "https":
		return openHTTP(ctx, f.client, u.String())
	case "ipfs":
		return openHTTP(ctx, f.gateway, f.gatewayURL(u))
	case "file":
		return openFile(f.cfg.FileRoots, u)
	}
	return nil, 0, fmt.Errorf("scheme %q: %w", u.Scheme, ErrRefused) // checkInput stops these
}

// gatewayURL maps ipfs://CID/path to GATEWAY/ipfs/CID/path.
func (f *Fetcher) gatewayURL(u *url.URL) string {
	return f.gwBase + "/ipfs/" + u.Host + u.EscapedPath()
}

// checkInput refuses, before any input is fetched, what this fetcher
// cannot or will not fetch. jobspec.Validate has checked the spec; these
// checks repeat what the file system and the network depend on.
func (f *Fetcher) checkInput(in jobspec.Input) (*url.URL, error) {
	if !isSHA256Hex(in.SHA256) {
		return nil, fmt.Errorf("sha256 %q is not 64 lowercase hex digits: %w; set it to what `sha256sum FILE` prints", in.SHA256, jobspec.ErrInvalid)
	}
	if name := in.FileName(); !isSafeFileName(name) {
		return nil, fmt.Errorf("name %q is not a plain file name: %w; set name to letters, digits, '.', '_', '+' and '-', not starting with '.'", name, jobspec.ErrInvalid)
	}
	u, err := url.Parse(in.URI)
	if err != nil {
		return nil, fmt.Errorf("parse uri: %w: %w", err, jobspec.ErrInvalid)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Hostname() == "" {
			return nil, fmt.Errorf("uri has no host: %w; write https://host/path", jobspec.ErrInvalid)
		}
	case "ipfs":
		if f.gwBase == "" {
			return nil, fmt.Errorf("this provider has no IPFS gateway configured: %w; the provider must set the fetcher's IPFSGateway (e.g. http://127.0.0.1:8080) to fetch ipfs inputs, or the spec can serve the file over https", ErrRefused)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("uri needs a CID as host: %w; write ipfs://<CID>[/path]", jobspec.ErrInvalid)
		}
	case "file":
		if len(f.cfg.FileRoots) == 0 {
			return nil, fmt.Errorf("file:// inputs are disabled on this provider: %w; serve the file over https or IPFS, or ask the provider to add its directory to the fetcher's FileRoots", ErrRefused)
		}
	default:
		return nil, fmt.Errorf("scheme %q is not fetched: %w; use https://, http://, ipfs:// or file://", u.Scheme, ErrRefused)
	}
	return u, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isSafeFileName mirrors jobspec's rule: one path element that cannot
// climb out of dst, hide itself or collide with the temporary names.
func isSafeFileName(s string) bool {
	if s == "" || len(s) > jobspec.MaxInputNameLen || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && c != '.' && c != '_' && c != '+' && c != '-' {
			return false
		}
	}
	return true
}

// ctxReader stops a copy as soon as ctx is done (a file read does not
// watch ctx by itself).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// progressWriter reports bytes written about every progressStep.
type progressWriter struct {
	done, last int64
	report     func(done int64)
}

const progressStep = 1 << 20

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.done-p.last >= progressStep {
		p.last = p.done
		p.report(p.done)
	}
	return len(b), nil
}

func (p *progressWriter) finish(n int64) {
	if p.last != n {
		p.report(n)
	}
}
