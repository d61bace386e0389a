package docker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	gprt "github.com/gpunet/gpunet/runtime"
)

// Name is the driver's name.
const Name = "docker"

var _ gprt.Driver = (*Driver)(nil)

// Driver runs tasks as sandboxed Docker containers.
type Driver struct {
	cfg   Config
	cli   client.APIClient
	log   *slog.Logger
	tasks *taskStore
	now   func() time.Time
}

// Option configures a Driver.
type Option func(*Driver)

// WithClient uses cli instead of a client from the environment.
func WithClient(cli client.APIClient) Option { return func(d *Driver) { d.cli = cli } }

// WithLogger sets the driver's logger.
func WithLogger(l *slog.Logger) Option { return func(d *Driver) { d.log = l } }

// New returns a driver. Without WithClient it connects as the docker CLI
// does (DOCKER_HOST etc.) and negotiates the API version.
func New(cfg Config, opts ...Option) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new docker driver: %w", err)
	}
	d := &Driver{cfg: cfg, log: slog.New(slog.DiscardHandler), tasks: newTaskStore(), now: time.Now}
	for _, o := range opts {
		o(d)
	}
	if d.cli == nil {
		cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return nil, fmt.Errorf("new docker client: %w", err)
		}
		d.cli = cli
	}
	d.log = d.log.With("driver", Name)
	return d, nil
}

// Name implements gprt.Driver.
func (d *Driver) Name() string { return Name }

// Ping checks that the engine answers.
func (d *Driver) Ping(ctx context.Context) error {
	if _, err := d.cli.Ping(ctx); err != nil {
		return fmt.Errorf("ping docker engine: %w", err)
	}
	return nil
}

// Close releases the client.
func (d *Driver) Close() error { return d.cli.Close() }

// Start validates cfg against the sandbox, then creates and starts the
// container. A container that was created but failed to start is removed.
func (d *Driver) Start(ctx context.Context, cfg gprt.TaskConfig) (*gprt.TaskHandle, error) {
	cc, hc, err := d.buildSpec(cfg)
	if err != nil {
		return nil, fmt.Errorf("start task for job %s: %w", cfg.JobID, err)
	}
	created, err := d.cli.ContainerCreate(ctx, cc, hc, nil, nil, "")
	if err != nil {
		return nil, fmt.Errorf("create container for job %s: %w", cfg.JobID, err)
	}
	id := created.ID
	if err := d.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		rmErr := d.cli.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true})
		return nil, fmt.Errorf("start container %s for job %s: %w (cleanup: %v)", id, cfg.JobID, err, rmErr)
	}
	st := TaskState{Version: StateVersion, ContainerID: id, Image: cfg.Image}
	h := &gprt.TaskHandle{
		Version: gprt.HandleVersion, Driver: Name, ID: id,
		JobID: cfg.JobID, Segment: cfg.Segment, StartedAt: d.now().UTC(),
	}
	if err := h.SetDriverState(st); err != nil {
		return nil, fmt.Errorf("start task %s: %w", id, err)
	}
	d.tasks.set(id, st)
	d.log.InfoContext(ctx, "task started", "job", cfg.JobID, "container", id)
	return h, nil
}

// ImageID resolves ref (a tag, a digest reference or an image ID) to the ID
// of an image on this machine. Nothing is pulled: no registry may be
// reachable, and a job runs only what its provider already holds.
func (d *Driver) ImageID(ctx context.Context, ref string) (string, error) {
	info, err := d.cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return "", fmt.Errorf("image %q is not on this machine: build it (e.g. make trainer-image) or docker load it", ref)
	}
	if err != nil {
		return "", fmt.Errorf("inspect image %q: %w", ref, err)
	}
	return info.ID, nil
}
