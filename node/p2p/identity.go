package p2p

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/libp2p/go-libp2p/core/crypto"
	pb "github.com/libp2p/go-libp2p/core/crypto/pb"
)

// identityPerm is the only mode an identity file may have.
const identityPerm fs.FileMode = 0o600

// LoadOrCreateIdentity returns the Ed25519 key stored at path, creating it
// (and its directory, 0700) if the file does not exist. The file holds the
// libp2p protobuf encoding of the key, mode 0600. A file readable or writable
// by group or others is refused (ErrInsecureIdentity); a file that does not
// hold an Ed25519 key is an error (ErrCorruptIdentity) and is never replaced,
// since a new key means a new peer ID.
func LoadOrCreateIdentity(path string) (crypto.PrivKey, error) {
	if path == "" {
		return nil, errors.New("load identity: path is empty; set the node's identity file path")
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createIdentity(path)
	case err != nil:
		return nil, fmt.Errorf("stat identity file %s: %w", path, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is not a regular file; point the identity path at a key file", ErrCorruptIdentity, path)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %#o, so other users can read the node key; run: chmod 600 %s",
			ErrInsecureIdentity, path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read identity file %s: %w", path, err)
	}
	key, err := crypto.UnmarshalPrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not hold a libp2p private key (%v); restore it from a backup, "+
			"or move it aside to create a new identity (the peer ID will change)", ErrCorruptIdentity, path, err)
	}
	if key.Type() != pb.KeyType_Ed25519 {
		return nil, fmt.Errorf("%w: %s holds a %s key, gpunet identities are Ed25519; "+
			"move it aside to create a new identity (the peer ID will change)", ErrCorruptIdentity, path, key.Type())
	}
	return key, nil
}

// createIdentity writes a fresh key atomically: a temp file in the same
// directory, fsynced, renamed over path, then the directory fsynced.
func createIdentity(path string) (_ crypto.PrivKey, err error) {
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate identity key: %w", err)
	}
	data, err := crypto.MarshalPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal identity key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create identity directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create temp identity file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(identityPerm); err != nil {
		return nil, fmt.Errorf("chmod temp identity file %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		return nil, fmt.Errorf("write temp identity file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("sync temp identity file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("close temp identity file %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("rename identity file into %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return key, nil
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open identity directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync identity directory %s: %w", dir, err)
	}
	return nil
}
