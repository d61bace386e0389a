package p2p

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
)

func TestLoadOrCreateIdentityCreatesAndReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "identity.key")
	k1, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("identity file mode = %#o, want 0600", perm)
	}
	if dinfo, err := os.Stat(filepath.Dir(path)); err != nil || dinfo.Mode().Perm() != 0o700 {
		t.Errorf("identity dir mode = %v (%v), want 0700", dinfo.Mode().Perm(), err)
	}
	k2, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if !k1.Equals(k2) {
		t.Error("reloaded key differs from the created one")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("identity dir holds %d entries, want only the key (no temp files left)", len(entries))
	}
}

func TestLoadOrCreateIdentityRefusesBadFiles(t *testing.T) {
	good := func(t *testing.T) []byte {
		b, err := crypto.MarshalPrivateKey(newKey(t))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	secp := func(t *testing.T) []byte {
		k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, err := crypto.MarshalPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		content func(t *testing.T) []byte
		perm    os.FileMode
		wantErr error
		wantMsg []string
	}{
		{"group readable", good, 0o640, ErrInsecureIdentity, []string{"chmod 600", "0640"}},
		{"world readable", good, 0o644, ErrInsecureIdentity, []string{"chmod 600"}},
		{"group writable", good, 0o620, ErrInsecureIdentity, []string{"chmod 600"}},
		{"garbage", func(*testing.T) []byte { return []byte("not a key\n") }, 0o600, ErrCorruptIdentity,
			[]string{"does not hold a libp2p private key", "move it aside"}},
		{"empty", func(*testing.T) []byte { return nil }, 0o600, ErrCorruptIdentity, []string{"restore it from a backup"}},
		{"truncated", func(t *testing.T) []byte { return good(t)[:20] }, 0o600, ErrCorruptIdentity, nil},
		{"secp256k1 key", secp, 0o600, ErrCorruptIdentity, []string{"Ed25519"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "identity.key")
			content := tt.content(t)
			if err := os.WriteFile(path, content, tt.perm); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.perm); err != nil { // WriteFile's mode is subject to umask
				t.Fatal(err)
			}
			_, err := LoadOrCreateIdentity(path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LoadOrCreateIdentity() = %v, want %v", err, tt.wantErr)
			}
			for _, m := range append(tt.wantMsg, path) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			after, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(after, content) {
				t.Errorf("identity file was modified (%v); a bad file must never be replaced", rerr)
			}
		})
	}
}

func TestLoadOrCreateIdentityRejectsOddPaths(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateIdentity(""); err == nil {
		t.Error("empty path: want an error")
	}
	if _, err := LoadOrCreateIdentity(dir); !errors.Is(err, ErrCorruptIdentity) {
		t.Errorf("directory path: err = %v, want ErrCorruptIdentity", err)
	}
}
