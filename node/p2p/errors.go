package p2p

import "errors"

var (
	// ErrInvalidConfig is wrapped by every error Config.Validate returns.
	ErrInvalidConfig = errors.New("invalid p2p config")
	// ErrInsecureIdentity means the identity file is readable or writable by
	// group or others.
	ErrInsecureIdentity = errors.New("insecure identity file permissions")
	// ErrCorruptIdentity means the identity file exists but does not hold a
	// usable Ed25519 private key. It is never replaced automatically.
	ErrCorruptIdentity = errors.New("corrupt identity file")
)
