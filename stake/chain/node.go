package chain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/service"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/viper"
	"golang.org/x/sync/errgroup"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	srvconfig "github.com/cosmos/cosmos-sdk/server/config"
	servergrpc "github.com/cosmos/cosmos-sdk/server/grpc"
	servercmtlog "github.com/cosmos/cosmos-sdk/server/log"
	sdk "github.com/cosmos/cosmos-sdk/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/gpunet/gpunet/stake/app"
)

// StartOptions tune a node without changing its files.
type StartOptions struct {
	// CheckInvariants verifies the ledger invariant after every block.
	CheckInvariants bool
	// AfterEndBlock runs inside consensus after every block's EndBlockers
	// (see app.Options).
	AfterEndBlock func(sdk.Context) error
	// Logger receives CometBFT's and the app's logs; nil discards them.
	Logger log.Logger
}

// Node is a running validator: CometBFT, the app, gRPC and REST.
type Node struct {
	App      *app.App
	ChainID  string
	RPCAddr  string // host:port of CometBFT's RPC
	GRPCAddr string
	APIAddr  string

	comet   *node.Node
	txIndex cmtdb.DB
	cancel  context.CancelFunc
	group   *errgroup.Group
	api     *api.Server

	stopOnce sync.Once
	stopErr  error
}

// Start runs the node whose files live in home, as written by Init and
// possibly edited since. It returns once CometBFT and the servers listen;
// Stop shuts them down.
func Start(ctx context.Context, home string, opts StartOptions) (*Node, error) {
	logger := opts.Logger
	if logger == nil {
		logger = log.NewNopLogger()
	}
	cfg := Config{Home: home}
	if !IsInitialized(cfg) {
		return nil, fmt.Errorf("home %s: no genesis at %s; run `gpunet chain init` first", home, cfg.genesisFile())
	}
	cmt, err := loadCometConfig(cfg)
	if err != nil {
		return nil, err
	}
	appCfg, appOpts, err := loadAppConfig(cfg)
	if err != nil {
		return nil, err
	}
	ag, err := genutiltypes.AppGenesisFromFile(cfg.genesisFile())
	if err != nil {
		return nil, fmt.Errorf("read genesis %s: %w", cfg.genesisFile(), err)
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(cmt.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("load node key: %w", err)
	}

	db, err := dbm.NewDB("application", dbm.GoLevelDBBackend, cfg.dataDir())
	if err != nil {
		return nil, fmt.Errorf("open app database in %s: %w", cfg.dataDir(), err)
	}
	baseOpts := append(server.DefaultBaseappOptions(appOpts), baseapp.SetChainID(ag.ChainID))
	a := app.New(logger.With("module", "app"), db, app.Options{CheckInvariants: opts.CheckInvariants, AfterEndBlock: opts.AfterEndBlock}, baseOpts...)
	if err := a.Load(); err != nil {
		_ = db.Close()
		return nil, err
	}

	// CometBFT never closes its tx index database on shutdown, so keep the
	// handle and close it in Stop; otherwise a restart in the same process
	// finds the LevelDB lock still held.
	var txIndexDB cmtdb.DB
	dbProvider := func(c *cmtcfg.DBContext) (cmtdb.DB, error) {
		db, err := cmtcfg.DefaultDBProvider(c)
		if err == nil && c.ID == "tx_index" {
			txIndexDB = db
		}
		return db, err
	}
	closeTxIndex := func() {
		if txIndexDB != nil {
			_ = txIndexDB.Close()
		}
	}
	comet, err := node.NewNode(cmt,
		privval.LoadOrGenFilePV(cmt.PrivValidatorKeyFile(), cmt.PrivValidatorStateFile()),
		nodeKey,
		proxy.NewLocalClientCreator(server.NewCometABCIWrapper(a)),
		func() (*cmttypes.GenesisDoc, error) { return ag.ToGenesisDoc() },
		dbProvider,
		node.DefaultMetricsProvider(cmt.Instrumentation),
		servercmtlog.CometLoggerWrapper{Logger: logger.With("module", "comet")},
	)
	if err != nil {
		closeTxIndex()
		_ = a.Close()
		return nil, fmt.Errorf("create CometBFT node: %w", err)
	}
	if err := comet.Start(); err != nil {
		closeTxIndex()
		_ = a.Close()
		return nil, fmt.Errorf("start CometBFT: %w", err)
	}

	n := &Node{
		App:      a,
		ChainID:  ag.ChainID,
		RPCAddr:  strings.TrimPrefix(cmt.RPC.ListenAddress, "tcp://"),
		GRPCAddr: appCfg.GRPC.Address,
		APIAddr:  strings.TrimPrefix(appCfg.API.Address, "tcp://"),
		comet:    comet,
		txIndex:  txIndexDB,
	}
	clientCtx := client.Context{}.
		WithClient(local.New(comet)).
		WithChainID(ag.ChainID).
		WithHomeDir(home).
		WithCodec(a.Encoding().Codec).
		WithInterfaceRegistry(a.Encoding().InterfaceRegistry).
		WithTxConfig(a.Encoding().TxConfig).
		WithLegacyAmino(a.Encoding().Amino)
	a.RegisterTxService(clientCtx)
	a.RegisterTendermintService(clientCtx)
	a.RegisterNodeService(clientCtx, appCfg)

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.cancel = cancel
	n.group, runCtx = errgroup.WithContext(runCtx)

	grpcLogger := logger.With("module", "grpc-server")
	grpcSrv, clientCtx, err := servergrpc.NewGRPCServerAndContext(clientCtx, a, appCfg.GRPC, grpcLogger)
	if err != nil {
		_ = n.Stop()
		return nil, fmt.Errorf("create gRPC server: %w", err)
	}
	n.group.Go(func() error { return servergrpc.StartGRPCServer(runCtx, grpcLogger, appCfg.GRPC, grpcSrv) })
	if appCfg.API.Enable {
		n.api = api.New(clientCtx, logger.With("module", "api-server"), grpcSrv)
		a.RegisterAPIRoutes(n.api, appCfg.API)
		n.group.Go(func() error { return n.api.Start(runCtx, appCfg) })
	}
	return n, nil
}

// WaitHeight returns once height h is committed, or when ctx ends.
func (n *Node) WaitHeight(ctx context.Context, h int64) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for n.Height() < h {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for height %d (at %d): %w", h, n.Height(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Height is the last committed block height.
func (n *Node) Height() int64 { return n.App.LastBlockHeight() }

// Stop shuts everything down in reverse order and closes the databases. It
// is safe to call more than once.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		var errs []error
		if n.cancel != nil {
			n.cancel()
			if err := n.group.Wait(); err != nil && !errors.Is(err, context.Canceled) {
				errs = append(errs, fmt.Errorf("servers: %w", err))
			}
		}
		if n.comet.IsRunning() {
			if err := n.comet.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop CometBFT: %w", err))
			}
			n.comet.Wait()
		}
		// CometBFT's shutdown leaves its app connections (and their error
		// watcher) running.
		if err := n.comet.ProxyApp().Stop(); err != nil && !errors.Is(err, service.ErrAlreadyStopped) {
			errs = append(errs, fmt.Errorf("stop CometBFT app connections: %w", err))
		}
		if n.txIndex != nil {
			if err := n.txIndex.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close tx index: %w", err))
			}
		}
		// BaseApp.Close closes the app database too.
		if err := n.App.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close app: %w", err))
		}
		n.stopErr = errors.Join(errs...)
	})
	return n.stopErr
}

func loadCometConfig(cfg Config) (*cmtcfg.Config, error) {
	v := viper.New()
	v.SetConfigFile(cfg.cometFile())
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read %s: %w", cfg.cometFile(), err)
	}
	c := cmtcfg.DefaultConfig()
	if err := v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", cfg.cometFile(), err)
	}
	c.SetRoot(cfg.Home)
	if err := c.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.cometFile(), err)
	}
	return c, nil
}

func loadAppConfig(cfg Config) (srvconfig.Config, *viper.Viper, error) {
	v := viper.New()
	v.SetConfigFile(cfg.appFile())
	if err := v.ReadInConfig(); err != nil {
		return srvconfig.Config{}, nil, fmt.Errorf("read %s: %w", cfg.appFile(), err)
	}
	v.Set("home", cfg.Home)
	c, err := srvconfig.GetConfig(v)
	if err != nil {
		return c, nil, fmt.Errorf("parse %s: %w", cfg.appFile(), err)
	}
	if err := c.ValidateBasic(); err != nil {
		return c, nil, fmt.Errorf("%s: %w", cfg.appFile(), err)
	}
	return c, v, nil
}

// LogFile opens home/node.log for appending, for callers that keep the
// terminal for people and the chain's chatter in a file.
func LogFile(home string) (io.WriteCloser, error) {
	f, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open node log: %w", err)
	}
	return f, nil
}
