package node

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/gpunet/gpunet/node/p2p"
)

// ConfigFile is the config's name inside the node's home.
const ConfigFile = "config.toml"

// Config is a node's config.toml. Durations are strings ("30s") so the file
// reads the way people write it.
type Config struct {
	// Home is the directory holding the config, keys and the store.
	Home string `toml:"-"`
	// Key is the name of the chain key in the keyring that signs the node's
	// transactions (like --from).
	Key            string `toml:"key"`
	KeyringBackend string `toml:"keyring_backend"`
	// KeyringDir is where the keyring lives (default: the home).
	KeyringDir string        `toml:"keyring_dir"`
	Chain      ChainConfig   `toml:"chain"`
	P2P        P2PConfig     `toml:"p2p"`
	HTTP       HTTPConfig    `toml:"http"`
	Offer      OfferConfig   `toml:"offer"`
	Runtime    RuntimeConfig `toml:"runtime"`
}

// RuntimeConfig is how the node runs the jobs leased to it.
type RuntimeConfig struct {
	// Driver is docker (sandboxed), exec (plain processes, no sandbox) or
	// none (the node runs no jobs and offers no capacity).
	Driver string `toml:"driver"`
	// WorkDir holds the jobs' checkpoints, inputs and logs; empty means
	// <home>/runtime.
	WorkDir string `toml:"work_dir"`
	// Capacity offered to jobs; 0 means what this machine has.
	CPUs      uint64 `toml:"cpus"`
	MemoryMiB uint64 `toml:"memory_mib"`
	DiskMiB   uint64 `toml:"disk_mib"`
	// InputRoots are the directories file:// inputs may come from.
	InputRoots []string `toml:"input_roots"`
	// IPFSGateway fetches ipfs:// inputs, e.g. "http://127.0.0.1:8080".
	IPFSGateway string `toml:"ipfs_gateway"`
	// PollInterval is how often the node reads its leases from the chain.
	PollInterval string `toml:"poll_interval"`
}

// ChainConfig says where the chain's node is.
type ChainConfig struct {
	GRPC    string `toml:"grpc"`
	RPC     string `toml:"rpc"`
	ChainID string `toml:"chain_id"`
}

// P2PConfig is the libp2p part; see node/p2p.Config.
type P2PConfig struct {
	Listen      []string `toml:"listen"`
	Bootstrap   []string `toml:"bootstrap"`
	MDNS        bool     `toml:"mdns"`
	MaxPeers    int      `toml:"max_peers"`
	DeniedPeers []string `toml:"denied_peers"`
}

// HTTPConfig is the API's listener.
type HTTPConfig struct {
	Listen string `toml:"listen"`
}

// OfferConfig is what the node advertises and how often.
type OfferConfig struct {
	// Price per GPU-hour, e.g. "2gpu" or "2000000ugpu".
	Price     string `toml:"price_per_gpu_hour"`
	Heartbeat string `toml:"heartbeat"`
	TTL       string `toml:"ttl"`
	// Inventory is how often the GPUs' health is re-read.
	Inventory string `toml:"inventory_interval"`
}

// DefaultConfig is a provider on loopback talking to a local devnet.
func DefaultConfig(home string) Config {
	pc := p2p.DefaultConfig()
	return Config{
		Home:           home,
		Key:            "provider1",
		KeyringBackend: "test",
		Chain:          ChainConfig{GRPC: "127.0.0.1:9090", RPC: "tcp://127.0.0.1:26657"},
		P2P:            P2PConfig{Listen: pc.ListenAddrs, MaxPeers: pc.MaxPeers},
		HTTP:           HTTPConfig{Listen: "127.0.0.1:7070"},
		Offer:          OfferConfig{Price: "2gpu", Heartbeat: "30s", TTL: "2m", Inventory: "30s"},
		Runtime:        RuntimeConfig{Driver: "docker", PollInterval: "1s"},
	}
}

// LoadConfig reads home/config.toml strictly: an unknown key is an error
// naming it, so a typo never silently falls back to a default.
func LoadConfig(home string) (Config, error) {
	cfg := DefaultConfig(home)
	path := filepath.Join(home, ConfigFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, fmt.Errorf("%s: no config; create one with `gpunet provider init --home %s`", path, home)
	}
	if err != nil {
		return cfg, fmt.Errorf("read %s: %w", path, err)
	}
	dec := toml.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			return cfg, fmt.Errorf("%s: %s; remove or rename it (see `gpunet provider init` for every key)", path, strings.TrimSpace(strict.String()))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return cfg, fmt.Errorf("%s:%d:%d: %s", path, row, col, de.Error())
		}
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	cfg.Home = home
	return cfg, cfg.Validate()
}

// Validate checks every field and names the first bad one with its fix.
func (c Config) Validate() error {
	if c.Key == "" {
		return errors.New("key: missing; name the keyring key that signs for this provider, e.g. key = \"provider1\"")
	}
	if c.Chain.GRPC == "" {
		return errors.New("chain.grpc: missing; set the chain node's gRPC address, e.g. \"127.0.0.1:9090\"")
	}
	if c.Chain.RPC == "" {
		return errors.New("chain.rpc: missing; set the chain node's CometBFT RPC address, e.g. \"tcp://127.0.0.1:26657\"")
	}
	if c.HTTP.Listen == "" {
		return errors.New("http.listen: missing; set e.g. \"127.0.0.1:7070\"")
	}
	for _, d := range []struct{ name, v string }{{"offer.heartbeat", c.Offer.Heartbeat}, {"offer.ttl", c.Offer.TTL}, {"offer.inventory_interval", c.Offer.Inventory}} {
		if v, err := time.ParseDuration(d.v); err != nil || v <= 0 {
			return fmt.Errorf("%s: %q is not a positive duration; write e.g. \"30s\" or \"2m\"", d.name, d.v)
		}
	}
	if err := c.p2pConfig().Validate(); err != nil {
		return fmt.Errorf("p2p: %w", err)
	}
	switch c.Runtime.Driver {
	case "docker", "exec", "none":
	default:
		return fmt.Errorf("runtime.driver: %q is not a driver; use docker, exec or none", c.Runtime.Driver)
	}
	if c.Runtime.WorkDir != "" && !filepath.IsAbs(c.Runtime.WorkDir) {
		return fmt.Errorf("runtime.work_dir: %q must be an absolute path", c.Runtime.WorkDir)
	}
	if v, err := time.ParseDuration(c.Runtime.PollInterval); err != nil || v <= 0 {
		return fmt.Errorf("runtime.poll_interval: %q is not a positive duration; write e.g. \"1s\"", c.Runtime.PollInterval)
	}
	return nil
}

func (c Config) workDir() string {
	if c.Runtime.WorkDir != "" {
		return c.Runtime.WorkDir
	}
	return filepath.Join(c.Home, "runtime")
}

func (c Config) pollInterval() time.Duration {
	d, _ := time.ParseDuration(c.Runtime.PollInterval)
	return d
}

func (c Config) p2pConfig() p2p.Config {
	pc := p2p.DefaultConfig()
	pc.ListenAddrs = c.P2P.Listen
	pc.BootstrapPeers = c.P2P.Bootstrap
	pc.EnableMDNS = c.P2P.MDNS
	if c.P2P.MaxPeers > 0 {
		pc.MaxPeers = c.P2P.MaxPeers
		pc.MaxConns = max(pc.MaxConns, 4*c.P2P.MaxPeers)
	}
	pc.DeniedPeers = c.P2P.DeniedPeers
	return pc
}

func (c Config) heartbeat() time.Duration { d, _ := time.ParseDuration(c.Offer.Heartbeat); return d }
func (c Config) ttl() time.Duration       { d, _ := time.ParseDuration(c.Offer.TTL); return d }
func (c Config) inventoryInterval() time.Duration {
	d, _ := time.ParseDuration(c.Offer.Inventory)
	return d
}

// keyringDir is where the signing key lives.
func (c Config) keyringDir() string {
	if c.KeyringDir != "" {
		return c.KeyringDir
	}
	return c.Home
}

var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{
	"list": func(v []string) string {
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	},
}).Parse(`# gpunet provider node. Flags of 'gpunet provider start' override these.

# The keyring key that signs this provider's chain transactions.
key = {{printf "%q" .Key}}
# Keyring backend: test (devnet only), file or os.
keyring_backend = {{printf "%q" .KeyringBackend}}
# Where the keyring lives; empty means this node's home.
keyring_dir = {{printf "%q" .KeyringDir}}

[chain]
# The chain node's gRPC and CometBFT RPC addresses.
grpc = {{printf "%q" .Chain.GRPC}}
rpc = {{printf "%q" .Chain.RPC}}
# Empty: ask the node.
chain_id = {{printf "%q" .Chain.ChainID}}

[p2p]
# Where libp2p listens. Loopback by default; use 0.0.0.0 to join peers on
# other machines.
listen = {{list .P2P.Listen}}
# Peers to join through, as /ip4/<ip>/tcp/<port>/p2p/<peer ID>.
bootstrap = {{list .P2P.Bootstrap}}
# Find peers on the local network by multicast DNS.
mdns = {{.P2P.MDNS}}
max_peers = {{.P2P.MaxPeers}}
denied_peers = {{list .P2P.DeniedPeers}}

[http]
# JSON API, /metrics, /healthz and /readyz. Loopback unless you expose it.
listen = {{printf "%q" .HTTP.Listen}}

[offer]
# Price per GPU-hour, e.g. "2gpu" or "2000000ugpu".
price_per_gpu_hour = {{printf "%q" .Offer.Price}}
# How often to re-announce the offer, and how long an offer stays valid.
heartbeat = {{printf "%q" .Offer.Heartbeat}}
ttl = {{printf "%q" .Offer.TTL}}
# How often to re-read the GPUs' health; a change updates the chain entry
# and the offer at once.
inventory_interval = {{printf "%q" .Offer.Inventory}}

[runtime]
# How jobs run: docker (the hardened sandbox), exec (plain processes, NO
# sandbox: only for jobs you trust) or none (run no jobs, offer no capacity).
driver = {{printf "%q" .Runtime.Driver}}
# Jobs' checkpoints, inputs and logs; empty means <home>/runtime.
work_dir = {{printf "%q" .Runtime.WorkDir}}
# Capacity offered to jobs besides GPUs; 0 means all of this machine's.
cpus = {{.Runtime.CPUs}}
memory_mib = {{.Runtime.MemoryMiB}}
disk_mib = {{.Runtime.DiskMiB}}
# Directories file:// inputs may come from; none by default, so a job can
# never read this machine's files.
input_roots = {{list .Runtime.InputRoots}}
# HTTP gateway for ipfs:// inputs; empty refuses them.
ipfs_gateway = {{printf "%q" .Runtime.IPFSGateway}}
# How often to read this provider's leases from the chain.
poll_interval = {{printf "%q" .Runtime.PollInterval}}
`))

// WriteConfig writes cfg as a commented config.toml in its home, refusing
// to overwrite one.
func WriteConfig(cfg Config) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	path := filepath.Join(cfg.Home, ConfigFile)
	if _, err := os.Stat(path); err == nil {
		return path, fmt.Errorf("%s exists; edit it, or remove it to write a fresh one", path)
	}
	var b bytes.Buffer
	if err := configTemplate.Execute(&b, cfg); err != nil {
		return "", fmt.Errorf("render config: %w", err)
	}
	if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", cfg.Home, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
