package inputs

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// DefaultTimeout bounds the fetch of one input.
const DefaultTimeout = 10 * time.Minute

// Config is the fetcher's policy. The zero value of every field but
// CacheDir is safe: no IPFS, no file:// inputs, no private addresses.
type Config struct {
	// CacheDir is the content-addressed cache, CacheDir/sha256/<hex>;
	// required, absolute. It should be on the same file system as the job
	// input directories so that inputs are hard-linked, not copied.
	CacheDir string
	// IPFSGateway is the base URL of an HTTP gateway, e.g.
	// "http://127.0.0.1:8080"; ipfs://CID/path is fetched as
	// IPFSGateway/ipfs/CID/path. Empty refuses ipfs inputs.
	IPFSGateway string
	// FileRoots are absolute directories a file:// input may come from.
	// Empty refuses every file:// input: a job must not be able to read the
	// provider's files, such as its keys.
	FileRoots []string
	// AllowPrivateNetworks lets http(s) inputs reach loopback, private,
	// link-local, unspecified and multicast addresses. Off by default: those
	// reach cloud metadata services and the node's own API (SSRF).
	AllowPrivateNetworks bool
	// Timeout bounds the fetch of one input; 0 means DefaultTimeout.
	Timeout time.Duration
}

// DefaultConfig returns the safe defaults with the given cache directory.
func DefaultConfig(cacheDir string) Config {
	return Config{CacheDir: cacheDir, Timeout: DefaultTimeout}
}

// Validate reports every problem at once, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []string
	if c.CacheDir == "" || !filepath.IsAbs(c.CacheDir) {
		errs = append(errs, fmt.Sprintf("cache dir must be an absolute path (got %q)", c.CacheDir))
	}
	if c.IPFSGateway != "" {
		if err := checkGateway(c.IPFSGateway); err != "" {
			errs = append(errs, err)
		}
	}
	for i, r := range c.FileRoots {
		if r == "" || !filepath.IsAbs(r) {
			errs = append(errs, fmt.Sprintf("file root %d must be an absolute path (got %q)", i, r))
		} else if filepath.Clean(r) == "/" {
			errs = append(errs, "file root \"/\" would expose every file of the provider; list the data directories instead")
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Sprintf("timeout must be >= 0 (got %s)", c.Timeout))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(errs, "; "))
	}
	return nil
}

func checkGateway(raw string) string {
	const fix = `; write it as http://host:port, e.g. "http://127.0.0.1:8080"`
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Sprintf("ipfs gateway %q is not a URL%s", raw, fix)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("ipfs gateway %q must use http or https%s", raw, fix)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("ipfs gateway %q has no host%s", raw, fix)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("ipfs gateway %q must not carry credentials, a query or a fragment%s", raw, fix)
	}
	return ""
}

// timeout is Timeout with the default applied.
func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}
