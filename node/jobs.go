package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"syscall"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/libp2p/go-libp2p/core/host"

	"github.com/gpunet/gpunet/node/chainlink"
	"github.com/gpunet/gpunet/node/gpu"
	"github.com/gpunet/gpunet/node/leases"
	"github.com/gpunet/gpunet/node/streams"
	gprt "github.com/gpunet/gpunet/runtime"
	"github.com/gpunet/gpunet/runtime/alloc"
	"github.com/gpunet/gpunet/runtime/docker"
	rexec "github.com/gpunet/gpunet/runtime/exec"
	"github.com/gpunet/gpunet/runtime/inputs"
	"github.com/gpunet/gpunet/runtime/runner"
	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/types"
)

// capacity is what the node offers jobs besides GPUs.
type capacity struct{ cpus, memoryMiB, diskMiB uint64 }

// startJobs builds the runtime (driver, allocator, runner), the lease
// worker and the stream server. It returns a zero capacity, and no worker,
// when the config says driver none or the driver cannot run here.
func (n *Node) startJobs(ctx context.Context) (capacity, error) {
	rc := n.cfg.Runtime
	if rc.Driver == "none" {
		n.logger.Info("runtime.driver is none: this node runs no jobs")
		return capacity{}, nil
	}
	work := n.cfg.workDir()
	if err := os.MkdirAll(work, 0o700); err != nil {
		return capacity{}, fmt.Errorf("runtime.work_dir: %w", err)
	}
	var drv gprt.Driver
	switch rc.Driver {
	case "docker":
		d, err := docker.New(docker.DefaultConfig(), docker.WithLogger(n.logger))
		if err != nil {
			return capacity{}, err
		}
		if err := d.Ping(ctx); err != nil {
			d.Close()
			n.logger.Warn("no Docker engine: this node runs no jobs until it is restarted with one", "err", err)
			return capacity{}, nil
		}
		n.closers = append(n.closers, d.Close)
		drv = d
	case "exec":
		d, err := rexec.New(rexec.Config{StateDir: filepath.Join(work, "exec")}, rexec.WithLogger(n.logger))
		if err != nil {
			return capacity{}, err
		}
		drv = d
	}
	var uuids []string
	for _, g := range n.inv.Load().GPUs {
		if gpu.Offerable(g) {
			uuids = append(uuids, g.UUID)
		}
	}
	allocator, err := alloc.New(n.store, uuids, alloc.WithLogger(n.logger))
	if err != nil {
		return capacity{}, err
	}
	icfg := inputs.DefaultConfig(filepath.Join(work, "cache"))
	icfg.FileRoots, icfg.IPFSGateway = rc.InputRoots, rc.IPFSGateway
	fetcher, err := inputs.New(icfg, inputs.WithLogger(n.logger))
	if err != nil {
		return capacity{}, fmt.Errorf("runtime: %w", err)
	}
	chain := chainAdapter{c: n.client, key: n.cfg.Key, address: n.address}
	var w *leases.Worker
	hooks := runner.Hooks{Checkpoint: func(ctx context.Context, id string, c runner.Checkpoint) { w.OnCheckpoint(ctx, id, c) }}
	r, err := runner.New(runner.DefaultConfig(work), drv, n.store, allocator,
		runner.WithInputs(fetcher), runner.WithHooks(hooks), runner.WithLogger(n.logger))
	if err != nil {
		return capacity{}, err
	}
	fetch := checkpointFetcher{h: n.host.Host(), c: n.client}
	w = leases.New(leases.Config{Address: n.address, PollInterval: n.cfg.pollInterval(), FetchDir: filepath.Join(work, "fetched")}, chain, r, fetch, n.logger)
	n.leases = w
	srv := streams.NewServer(n.host.Host(), w, w, leases.Clients{Chain: chain}, streams.WithLogger(n.logger))
	n.closers = append(n.closers, srv.Close)
	return detectCapacity(rc, work), nil
}

// detectCapacity fills what the config leaves at 0 from the machine.
func detectCapacity(rc RuntimeConfig, work string) capacity {
	c := capacity{cpus: rc.CPUs, memoryMiB: rc.MemoryMiB, diskMiB: rc.DiskMiB}
	if c.cpus == 0 {
		c.cpus = uint64(goruntime.NumCPU())
	}
	if c.memoryMiB == 0 {
		var si syscall.Sysinfo_t
		if syscall.Sysinfo(&si) == nil {
			c.memoryMiB = uint64(si.Totalram) * uint64(si.Unit) >> 20
		}
	}
	if c.diskMiB == 0 {
		var fs syscall.Statfs_t
		if syscall.Statfs(work, &fs) == nil {
			c.diskMiB = fs.Bavail * uint64(fs.Bsize) >> 20
		}
	}
	c.cpus = min(c.cpus, types.MaxProviderCPUs)
	c.memoryMiB = min(c.memoryMiB, types.MaxProviderMemoryMiB)
	c.diskMiB = min(c.diskMiB, types.MaxProviderDiskMiB)
	return c
}

// chainAdapter is the lease worker's view of the chain through the client.
type chainAdapter struct {
	c       *client.Client
	key     string
	address string
}

func (a chainAdapter) Leases(ctx context.Context) ([]types.Job, error) {
	res, err := a.c.Query.Jobs(ctx, &types.QueryJobsRequest{Provider: a.address})
	if err != nil {
		return nil, client.Unwrap(err)
	}
	return res.Jobs, nil
}

func (a chainAdapter) Job(ctx context.Context, id uint64) (types.Job, error) {
	res, err := a.c.Query.Job(ctx, &types.QueryJobRequest{Id: id})
	if err != nil {
		return types.Job{}, client.Unwrap(err)
	}
	return res.Job, nil
}

func (a chainAdapter) Send(ctx context.Context, msgs ...sdk.Msg) error {
	_, err := a.c.Send(ctx, a.key, msgs...)
	return err
}

// checkpointFetcher fetches a checkpoint from the provider that committed
// it, at the addresses its registry entry has now.
type checkpointFetcher struct {
	h host.Host
	c *client.Client
}

func (f checkpointFetcher) Fetch(ctx context.Context, job types.Job, cp types.Checkpoint, dst string) error {
	res, err := f.c.Query.Provider(ctx, &types.QueryProviderRequest{Address: cp.Provider})
	if err != nil {
		return fmt.Errorf("look up provider %s: %w", cp.Provider, client.Unwrap(err))
	}
	info, err := chainlink.AddrInfo(res.Provider)
	if err != nil {
		return err
	}
	// What the peerstore learnt earlier may be stale (a restarted node
	// listens elsewhere); the chain has the current addresses.
	f.h.Peerstore().AddAddrs(info.ID, info.Addrs, 10*time.Minute)
	return streams.FetchCheckpoint(ctx, f.h, info.ID, job.Id, cp.Step, cp.Root, dst)
}
