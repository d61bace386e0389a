package inputs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gpunet/gpunet/stake/jobspec"
)

var errEXDEV = syscall.EXDEV

func TestFileInputs(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "data")
	outside := filepath.Join(base, "keys")
	for _, d := range []string{root, outside, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data := []byte("dataset")
	secret := []byte("private key")
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "sub", "train.bin"), data)
	write(filepath.Join(outside, "node.key"), secret)
	link := func(target, name string) {
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	link(filepath.Join(outside, "node.key"), filepath.Join(root, "escape.key"))
	link(filepath.Join(root, "sub", "train.bin"), filepath.Join(root, "alias.bin"))
	link(outside, filepath.Join(root, "keysdir"))
	// A root reached through a symlink still admits its files.
	rootLink := filepath.Join(base, "data-link")
	link(root, rootLink)

	tests := []struct {
		name    string
		roots   []string
		path    string
		content []byte
		wantErr error
		wantMsg string
	}{
		{name: "inside root", roots: []string{root}, path: root + "/sub/train.bin", content: data},
		{name: "symlink within root", roots: []string{root}, path: root + "/alias.bin", content: data},
		{name: "root given as symlink", roots: []string{rootLink}, path: root + "/sub/train.bin", content: data},
		{name: "second root", roots: []string{outside + "-missing", root}, path: root + "/sub/train.bin", content: data},
		{name: "outside root", roots: []string{root}, path: outside + "/node.key", content: secret, wantErr: ErrRefused, wantMsg: "outside the provider's file roots"},
		{name: "dot-dot", roots: []string{root}, path: root + "/../keys/node.key", content: secret, wantErr: ErrRefused, wantMsg: "outside"},
		{name: "symlink escaping root", roots: []string{root}, path: root + "/escape.key", content: secret, wantErr: ErrRefused, wantMsg: "resolves to"},
		{name: "symlinked dir escaping root", roots: []string{root}, path: root + "/keysdir/node.key", content: secret, wantErr: ErrRefused, wantMsg: "resolves to"},
		{name: "directory", roots: []string{root}, path: root + "/sub", content: data, wantErr: ErrRefused, wantMsg: "not a regular file"},
		{name: "root itself", roots: []string{root}, path: root, content: data, wantErr: ErrRefused},
		{name: "no roots", path: root + "/sub/train.bin", content: data, wantErr: ErrRefused, wantMsg: "FileRoots"},
		{name: "missing", roots: []string{root}, path: root + "/nope.bin", content: data, wantMsg: "exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(t, func(c *Config) { c.FileRoots = tt.roots })
			dst := filepath.Join(t.TempDir(), "in")
			in := jobspec.Input{Name: "input.bin", URI: "file://" + tt.path, SHA256: sum(tt.content)}
			err := f.Fetch(t.Context(), []jobspec.Input{in}, dst, 0)
			if tt.wantErr == nil && tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				checkPlaced(t, dst, "input.bin", tt.content)
				return
			}
			if err == nil {
				t.Fatal("Fetch succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not match %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "inputs[0]") {
				t.Errorf("error %q does not name inputs[0] and %q", err, tt.wantMsg)
			}
			checkNothingLeft(t, f, dst)
		})
	}
}

func TestFileInputTooLarge(t *testing.T) {
	root := t.TempDir()
	data := []byte(strings.Repeat("f", 100))
	if err := os.WriteFile(filepath.Join(root, "f.bin"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, func(c *Config) { c.FileRoots = []string{root} })
	dst := filepath.Join(t.TempDir(), "in")
	err := f.Fetch(t.Context(), []jobspec.Input{input("file://"+root+"/f.bin", data)}, dst, 99)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	checkNothingLeft(t, f, dst)
}
