package jobspec

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

const fixInputName = "set name to a plain file name: letters, digits, '.', '_', '+' and '-', not starting with '.'"

func checkInputs(s *Spec, r *report) {
	if len(s.Inputs) > MaxInputs {
		r.add("inputs", fmt.Sprintf("has %d entries; the limit is %d", len(s.Inputs), MaxInputs), "pack small files into an archive and list that")
		return
	}
	names := map[string]int{}
	for i, in := range s.Inputs {
		field := fmt.Sprintf("inputs[%d]", i)
		checkURI(r, field+".uri", in.URI)
		checkSHA256(r, field+".sha256", in.SHA256)
		name := in.FileName()
		switch {
		case name == "":
			if in.URI != "" {
				r.add(field+".name", fmt.Sprintf("cannot be derived from uri %q", in.URI), fixInputName)
			}
		case !isSafeFileName(name):
			r.add(field+".name", fmt.Sprintf("%q is not a safe file name", name), fixInputName)
		default:
			if first, dup := names[name]; dup {
				r.add(field+".name", fmt.Sprintf("%q is also the name of inputs[%d]", name, first), "give each input its own name")
				continue
			}
			names[name] = i
		}
	}
}

// inputSchemes are fetched by the daemon; anything else it cannot fetch or
// should not (data:, ftp:, s3: with credentials).
var inputSchemes = []string{"https", "http", "file", "ipfs"}

func checkURI(r *report, field, raw string) {
	const fix = "use https://host/path, http://host/path, ipfs://CID[/path] or file:///absolute/path"
	if raw == "" {
		r.add(field, "is required", fix)
		return
	}
	if len(raw) > MaxURILen {
		r.add(field, fmt.Sprintf("is %d bytes; the limit is %d", len(raw), MaxURILen), "shorten the URI")
		return
	}
	for _, c := range raw {
		if c <= ' ' || c >= 0x7f {
			r.add(field, fmt.Sprintf("contains %q; a URI is printable ASCII", c), "percent-encode spaces and non-ASCII characters")
			return
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		r.add(field, fmt.Sprintf("is not a URI (got %q)", raw), fix)
		return
	}
	switch u.Scheme {
	case "https", "http":
		switch {
		case u.Host == "" || u.Hostname() == "":
			r.add(field, fmt.Sprintf("has no host (got %q)", raw), fix)
		case u.User != nil:
			r.add(field, "contains credentials; the spec is public on chain", "serve the file without credentials, e.g. from a pre-signed URL, or publish it on IPFS")
		}
	case "ipfs":
		if u.Host == "" || !isAlnum(u.Host) {
			r.add(field, fmt.Sprintf("needs a CID as host (got %q)", raw), "write ipfs://<CID> or ipfs://<CID>/path")
		}
	case "file":
		p := u.Path
		switch {
		case u.Host != "" && u.Host != "localhost":
			r.add(field, fmt.Sprintf("names host %q; file URIs are local to the provider", u.Host), "write file:///absolute/path")
		case !strings.HasPrefix(p, "/") || path.Clean(p) != p || u.RawQuery != "" || u.Fragment != "":
			r.add(field, fmt.Sprintf("must be a clean absolute path (got %q)", raw), "write file:///absolute/path without '..', '//' or a trailing '/'")
		}
	default:
		r.add(field, fmt.Sprintf("has scheme %q; allowed schemes are %s", u.Scheme, strings.Join(inputSchemes, ", ")), fix)
	}
}

func checkSHA256(r *report, field, sum string) {
	const fix = "set it to the file's SHA-256 as printed by `sha256sum FILE`: 64 lowercase hex digits"
	switch {
	case sum == "":
		r.add(field, "is required", fix)
	case isSHA256Hex(strings.ToLower(sum)) && strings.ToLower(sum) != sum:
		r.add(field, "has uppercase hex digits", "write it in lowercase")
	case !isSHA256Hex(sum):
		r.add(field, fmt.Sprintf("is not 64 hex digits (got %q)", sum), fix)
	}
}

// isSafeFileName allows one path element that cannot climb out of the input
// directory, hide itself or need quoting in a shell.
func isSafeFileName(s string) bool {
	if s == "" || len(s) > MaxInputNameLen || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnumByte(c) && c != '.' && c != '_' && c != '+' && c != '-' {
			return false
		}
	}
	return true
}
