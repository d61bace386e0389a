package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/node/api"
	"github.com/gpunet/gpunet/node/chainlink"
	"github.com/gpunet/gpunet/node/gpu"
	"github.com/gpunet/gpunet/node/leases"
	"github.com/gpunet/gpunet/node/offers"
	"github.com/gpunet/gpunet/node/p2p"
	"github.com/gpunet/gpunet/node/store"
	"github.com/gpunet/gpunet/stake/app"
	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

// Files in a node's home.
const (
	IdentityFile = "p2p_key"
	StoreFile    = "node.db"
)

// Node is a running provider daemon.
type Node struct {
	cfg     Config
	logger  *slog.Logger
	address string
	price   sdk.Coin
	gpus    gpu.Source
	inv     atomic.Pointer[gpu.Inventory]

	store     *store.Store
	client    *client.Client
	host      *p2p.Host
	ps        *pubsub.PubSub
	validator *offers.Validator
	topic     *offers.Topic
	publisher *offers.Publisher
	registrar *chainlink.Registrar
	watcher   *chainlink.Watcher
	http      *api.Server
	metrics   *prometheus.Registry
	leases    *leases.Worker
	capacity  capacity

	closers []func() error
}

// Deps are the parts a caller may replace: tests give a mock GPU source.
type Deps struct {
	GPUs gpu.Source
}

// New builds a node from its config: it opens the store and the identity,
// takes the GPU inventory, starts the libp2p host and joins the offer
// topic. Nothing here needs the chain, which may well be down.
func New(ctx context.Context, cfg Config, deps Deps, logger *slog.Logger) (n *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	price, err := parsePrice(cfg.Offer.Price)
	if err != nil {
		return nil, err
	}
	n = &Node{cfg: cfg, logger: logger, price: price, metrics: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			_ = n.Close()
		}
	}()
	n.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if n.store, err = store.Open(filepath.Join(cfg.Home, StoreFile)); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.store.Close)

	kr, err := keyring.New("gpunet", cfg.KeyringBackend, cfg.keyringDir(), nil, app.MakeEncodingConfig().Codec)
	if err != nil {
		return nil, fmt.Errorf("keyring_backend %s in %s: %w", cfg.KeyringBackend, cfg.keyringDir(), err)
	}
	if n.client, err = client.Dial(client.Config{GRPCAddr: cfg.Chain.GRPC, ChainID: cfg.Chain.ChainID, Keyring: kr}); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.client.Close)
	addr, err := n.client.Address(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	n.address = addr.String()

	src := deps.GPUs
	if src == nil {
		src = gpu.Detect(logger)
	}
	if c, ok := src.(io.Closer); ok {
		n.closers = append(n.closers, c.Close)
	}
	n.gpus = src
	inv, err := src.Inventory(ctx)
	if err != nil {
		return nil, fmt.Errorf("GPU inventory: %w", err)
	}
	n.inv.Store(&inv)
	gauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gpunet_gpus_offered", Help: "Healthy GPUs this node offers."},
		func() float64 { return float64(types.TotalGPUs(gpu.ChainGPUs(*n.inv.Load()))) })
	n.metrics.MustRegister(gauge)

	key, err := p2p.LoadOrCreateIdentity(filepath.Join(cfg.Home, IdentityFile))
	if err != nil {
		return nil, err
	}
	if n.host, err = p2p.New(ctx, cfg.p2pConfig(), key, logger.With("part", "p2p"), n.metrics); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.host.Close)

	om, err := offers.NewMetrics(n.metrics)
	if err != nil {
		return nil, err
	}
	if n.validator, err = offers.NewValidator(offers.DefaultValidatorConfig(), offerRegistry{chainlink.NewRegistry(n.client)}, offers.WithMetrics(om), offers.WithLogger(logger)); err != nil {
		return nil, err
	}
	// PubSub lives as long as the node, not as long as New's ctx: it must
	// outlast Run and stop only after the topic has been left, in Close.
	psCtx, psCancel := context.WithCancel(context.Background())
	n.closers = append(n.closers, func() error { psCancel(); return nil })
	if n.ps, err = offers.NewPubSub(psCtx, n.host.Host()); err != nil {
		return nil, err
	}
	if n.topic, err = offers.Join(ctx, n.ps, n.validator, logger.With("part", "offers"), offers.WithSelf(n.host.ID())); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.topic.Close)
	pcfg := offers.PublisherConfig{Heartbeat: cfg.heartbeat(), TTL: cfg.ttl(), MinInterval: min(time.Second, cfg.heartbeat()/2)}
	if n.publisher, err = offers.NewPublisher(pcfg, key, n.address, n.offerContent, n.store, selfSink{n.topic}, offers.WithLogger(logger)); err != nil {
		return nil, err
	}

	if n.capacity, err = n.startJobs(ctx); err != nil {
		return nil, err
	}
	n.registrar = chainlink.NewRegistrar(n.client, cfg.Key, n.entry(), logger.With("part", "chain"))
	n.watcher = chainlink.NewWatcher(cfg.Chain.RPC, logger.With("part", "chain"))
	if n.http, err = api.Listen(api.Config{Listen: cfg.HTTP.Listen, Gatherer: n.metrics, Readiness: n, Routes: n.routes()}, logger.With("part", "http")); err != nil {
		return nil, err
	}
	return n, nil
}

func parsePrice(s string) (sdk.Coin, error) {
	a, err := jobspec.ParseAmount(s)
	if err != nil || !a.Int().IsPositive() {
		return sdk.Coin{}, fmt.Errorf("offer.price_per_gpu_hour: %q is not a positive amount; write e.g. \"2gpu\" or \"2000000ugpu\"", s)
	}
	return sdk.NewCoin(types.Denom, a.Int()), nil
}

// entry is what the chain should say about this node.
func (n *Node) entry() chainlink.Entry {
	addrs := make([]string, 0, len(n.host.Addrs()))
	for _, a := range n.host.Addrs() {
		addrs = append(addrs, a.String())
	}
	sort.Strings(addrs)
	if len(addrs) > types.MaxMultiaddrs {
		addrs = addrs[:types.MaxMultiaddrs]
	}
	return chainlink.Entry{PeerID: n.host.ID().String(), Multiaddrs: addrs, GPUs: gpu.ChainGPUs(*n.inv.Load()), Price: n.price,
		CPUs: n.capacity.cpus, MemoryMiB: n.capacity.memoryMiB, DiskMiB: n.capacity.diskMiB}
}

// offerContent is the offer's changing part: every offerable GPU is free
// until jobs run here.
func (n *Node) offerContent() offers.Content {
	var free []offers.GPUCount
	for _, g := range gpu.ChainGPUs(*n.inv.Load()) {
		free = append(free, offers.GPUCount{Model: g.Model, Count: g.Count})
	}
	sort.Slice(free, func(i, j int) bool { return free[i].Model < free[j].Model })
	merged := free[:0]
	for _, f := range free { // one entry per model, as offers require
		if len(merged) > 0 && merged[len(merged)-1].Model == f.Model {
			merged[len(merged)-1].Count += f.Count
			continue
		}
		merged = append(merged, f)
	}
	return offers.Content{FreeGPUs: merged, PricePerGPUHour: n.price.Amount.String()}
}

// Run runs the node until ctx ends: chain registration, event following,
// offer publishing and the HTTP API.
func (n *Node) Run(ctx context.Context) error {
	n.logger.Info("provider node starting", "peer_id", n.host.ID().String(), "address", n.address,
		"gpus", len(n.inv.Load().GPUs), "http", n.http.Addr(), "p2p", fmt.Sprint(n.host.Addrs()))
	if inv := n.inv.Load(); !inv.Available {
		n.logger.Info("offering 0 GPUs (CPU jobs only)", "reason", inv.Reason)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return n.http.Serve(ctx) })
	g.Go(func() error { return n.registrar.Run(ctx) })
	g.Go(func() error { return n.watchGPUs(ctx) })
	if n.leases != nil {
		g.Go(func() error {
			for !n.registrar.Registered() {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(200 * time.Millisecond):
				}
			}
			return n.leases.Run(ctx)
		})
	}
	g.Go(func() error {
		return n.watcher.Run(ctx, func(e chainlink.Event) {
			switch e.Type {
			case "gpunet.stake.v1.EventProviderRegistered", "gpunet.stake.v1.EventProviderUpdated":
				n.validator.Invalidate(e.Attributes["address"])
			}
		})
	})
	g.Go(func() error {
		// Offers from an unregistered node would be dropped by every peer;
		// wait until the chain knows this one.
		for !n.registrar.Registered() {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(200 * time.Millisecond):
			}
		}
		return n.publisher.Run(ctx)
	})
	return g.Wait()
}

// watchGPUs re-reads the inventory and, when what the node can offer
// changed (a GPU failed its health check, or came back), tells the chain and
// the network.
func (n *Node) watchGPUs(ctx context.Context) error {
	t := time.NewTicker(n.cfg.inventoryInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		inv, err := n.gpus.Inventory(ctx)
		if err != nil {
			n.logger.Warn("GPU inventory failed; keeping the last one", "err", err)
			continue
		}
		before := gpu.ChainGPUs(*n.inv.Load())
		n.inv.Store(&inv)
		if after := gpu.ChainGPUs(inv); !types.SameGPUs(before, after) {
			n.logger.Info("offerable GPUs changed", "before", types.TotalGPUs(before), "after", types.TotalGPUs(after))
			n.registrar.Update(n.entry())
			n.publisher.Notify()
		}
	}
}

// Ready implements api.Readiness.
func (n *Node) Ready(context.Context) error {
	if !n.registrar.Registered() {
		return fmt.Errorf("waiting for the chain at %s to register this provider", n.cfg.Chain.GRPC)
	}
	return nil
}

// Status is the node's identity and state, as /api/v1/node serves it.
type Status struct {
	PeerID       string   `json:"peer_id"`
	ChainAddress string   `json:"chain_address"`
	Addrs        []string `json:"addrs"`
	Registered   bool     `json:"registered"`
	Peers        int      `json:"peers"`
	GPUs         int      `json:"gpus"`
	Price        string   `json:"price_per_gpu_hour"`
}

// Status reports the node's identity and state.
func (n *Node) Status() Status {
	return Status{PeerID: n.host.ID().String(), ChainAddress: n.address, Addrs: n.entry().Multiaddrs,
		Registered: n.registrar.Registered(), Peers: len(n.host.Peers()), GPUs: int(types.TotalGPUs(gpu.ChainGPUs(*n.inv.Load()))), Price: n.price.String()}
}

// Offers is the live view of every provider's current offer.
func (n *Node) Offers() []offers.Offer { return n.topic.View().List() }

// PeerID is the node's libp2p identity.
func (n *Node) PeerID() peer.ID { return n.host.ID() }

// HTTPAddr is where the API listens.
func (n *Node) HTTPAddr() string { return n.http.Addr() }

// P2PAddrs are the node's full libp2p addresses, for others to bootstrap from.
func (n *Node) P2PAddrs() []string { return n.entry().Multiaddrs }

func (n *Node) routes() map[string]api.Source {
	return map[string]api.Source{
		"node":   func(context.Context) (any, error) { return n.Status(), nil },
		"gpus":   func(context.Context) (any, error) { return *n.inv.Load(), nil },
		"offers": func(context.Context) (any, error) { return offerViews(n.Offers()), nil },
	}
}

// Close releases everything New opened, in reverse order.
func (n *Node) Close() error {
	var errs []error
	for i := len(n.closers) - 1; i >= 0; i-- {
		if err := n.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	n.closers = nil
	return errors.Join(errs...)
}

// offerRegistry adapts the chain's registry to what offer validation asks.
type offerRegistry struct{ r *chainlink.Registry }

func (o offerRegistry) PeerIDOf(ctx context.Context, addr string) (peer.ID, error) {
	id, err := o.r.PeerIDOf(ctx, addr)
	if errors.Is(err, chainlink.ErrNotRegistered) {
		return "", fmt.Errorf("%w: %w", offers.ErrNotRegistered, err)
	}
	return id, err
}

// OfferView is an offer as JSON shows it.
type OfferView struct {
	PeerID          string            `json:"peer_id"`
	ChainAddress    string            `json:"chain_address"`
	FreeGPUs        []offers.GPUCount `json:"free_gpus"`
	PricePerGPUHour string            `json:"price_per_gpu_hour"`
	Sequence        uint64            `json:"sequence"`
	Expiry          time.Time         `json:"expiry"`
}

func offerViews(os []offers.Offer) []OfferView {
	out := make([]OfferView, 0, len(os))
	for _, o := range os {
		free := o.FreeGPUs
		if free == nil {
			free = []offers.GPUCount{}
		}
		out = append(out, OfferView{PeerID: o.PeerID.String(), ChainAddress: o.ChainAddress, FreeGPUs: free,
			PricePerGPUHour: o.PricePerGPUHour + types.Denom, Sequence: o.Sequence, Expiry: time.Unix(o.Expiry, 0).UTC()})
	}
	return out
}

// selfSink publishes to the topic and also puts the node's own offer in its
// view: pubsub does not deliver a node its own messages as offers, yet
// `gpunet offers` on a lone provider should show what it advertises.
type selfSink struct{ topic *offers.Topic }

func (s selfSink) Publish(ctx context.Context, signed []byte) error {
	if err := s.topic.Publish(ctx, signed); err != nil {
		return err
	}
	o, err := offers.Verify(signed)
	if err != nil {
		return fmt.Errorf("own offer does not verify: %w", err)
	}
	s.topic.View().Put(o)
	return nil
}
