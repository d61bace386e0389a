package inputs

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// openFile opens a file:// input, which must resolve, symlinks followed,
// to a regular file inside one of roots. The file is opened through an
// os.Root so that a symlink swapped in after the check still cannot lead
// out of the root.
func openFile(roots []string, u *url.URL) (io.ReadCloser, int64, error) {
	const fixRoots = "serve the file over https or IPFS, or ask the provider to add its directory to the fetcher's FileRoots"
	if len(roots) == 0 {
		return nil, 0, fmt.Errorf("file:// inputs are disabled on this provider: %w; %s", ErrRefused, fixRoots)
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, 0, fmt.Errorf("file URI names host %q: %w; write file:///absolute/path", u.Host, ErrRefused)
	}
	p := filepath.Clean(filepath.FromSlash(u.Path))
	if !filepath.IsAbs(p) {
		return nil, 0, fmt.Errorf("file path %q is not absolute: %w; write file:///absolute/path", u.Path, ErrRefused)
	}
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, 0, fmt.Errorf("resolve %s: %w; check that the file exists on the provider", p, err)
	}
	for _, root := range roots {
		rr, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue // a missing root holds nothing
		}
		rel, err := filepath.Rel(rr, resolved)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		return openInRoot(rr, rel)
	}
	if resolved != p {
		return nil, 0, fmt.Errorf("%s resolves to %s, outside the provider's file roots: %w; %s", p, resolved, ErrRefused, fixRoots)
	}
	return nil, 0, fmt.Errorf("%s is outside the provider's file roots: %w; %s", p, ErrRefused, fixRoots)
}

func openInRoot(root, rel string) (io.ReadCloser, int64, error) {
	full := filepath.Join(root, rel)
	// Stat before opening so that a FIFO or device is refused without
	// blocking in open.
	if st, err := os.Stat(full); err != nil {
		return nil, 0, fmt.Errorf("stat %s: %w", full, err)
	} else if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is a %s, not a regular file: %w; name a plain file", full, st.Mode().Type(), ErrRefused)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, 0, fmt.Errorf("open file root %s: %w", root, err)
	}
	defer r.Close() // files opened through r stay open
	f, err := r.Open(rel)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s inside file root %s: %w", rel, root, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("stat %s: %w", full, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is a %s, not a regular file: %w; name a plain file", full, st.Mode().Type(), ErrRefused)
	}
	return f, st.Size(), nil
}
