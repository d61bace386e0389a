package docker

import (
	"context"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	gprt "github.com/gpunet/gpunet/runtime"
)

// Recover re-attaches to the container named by h. It is idempotent: a task
// already known is refreshed. A handle whose container is gone, or is not a
// gpunet-managed container, is forgotten and an error returned.
func (d *Driver) Recover(ctx context.Context, h *gprt.TaskHandle) error {
	if err := h.Check(Name); err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	var st TaskState
	if err := h.GetDriverState(&st); err != nil {
		return fmt.Errorf("recover %s: %w", h.ID, err)
	}
	if st.Version != StateVersion {
		return fmt.Errorf("recover %s: driver state: %w: %d", h.ID, gprt.ErrHandleVersion, st.Version)
	}
	if st.ContainerID == "" {
		st.ContainerID = h.ID
	}
	info, err := d.cli.ContainerInspect(ctx, st.ContainerID)
	if errdefs.IsNotFound(err) {
		d.tasks.delete(h.ID)
		return fmt.Errorf("recover %s: container gone: %w", h.ID, gprt.ErrTaskNotFound)
	}
	if err != nil {
		return fmt.Errorf("recover %s: inspect container: %w", h.ID, err)
	}
	if info.Config == nil || info.Config.Labels[LabelManaged] != "true" || info.Config.Labels[LabelJob] != h.JobID {
		d.tasks.delete(h.ID)
		return fmt.Errorf("recover %s: container is not gpunet job %s: %w", h.ID, h.JobID, gprt.ErrTaskNotFound)
	}
	d.tasks.set(info.ID, st)
	d.log.InfoContext(ctx, "task recovered", "job", h.JobID, "container", info.ID, "status", info.State.Status)
	return nil
}

// Managed is a gpunet container found by List.
type Managed struct {
	ContainerID string
	JobID       string
	Segment     string
	State       string // "running", "exited", ...
}

// List returns every gpunet-managed container, running or not.
func (d *Driver) List(ctx context.Context) ([]Managed, error) {
	cs, err := d.cli.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", LabelManaged+"=true")),
	})
	if err != nil {
		return nil, fmt.Errorf("list managed containers: %w", err)
	}
	out := make([]Managed, 0, len(cs))
	for _, c := range cs {
		out = append(out, Managed{ContainerID: c.ID, JobID: c.Labels[LabelJob], Segment: c.Labels[LabelSegment], State: c.State})
	}
	return out, nil
}

var _ gprt.TaskFinder = (*Driver)(nil)

// FindTasks returns a handle for every gpunet container of job started by
// owner, running ones first: a daemon whose store was lost finds its tasks
// by their labels.
func (d *Driver) FindTasks(ctx context.Context, owner, jobID string) ([]*gprt.TaskHandle, error) {
	if owner == "" {
		return nil, nil // without an owner, a container could be another runner's
	}
	cs, err := d.cli.ContainerList(ctx, container.ListOptions{
		All: true,
		Filters: filters.NewArgs(filters.Arg("label", LabelManaged+"=true"), filters.Arg("label", LabelJob+"="+jobID),
			filters.Arg("label", LabelOwner+"="+owner)),
	})
	if err != nil {
		return nil, fmt.Errorf("find containers of job %s: %w", jobID, err)
	}
	var running, other []*gprt.TaskHandle
	for _, c := range cs {
		h := &gprt.TaskHandle{Version: gprt.HandleVersion, Driver: Name, ID: c.ID, JobID: jobID, Segment: c.Labels[LabelSegment]}
		if err := h.SetDriverState(TaskState{Version: StateVersion, ContainerID: c.ID, Image: c.ImageID}); err != nil {
			return nil, err
		}
		if c.State == "running" {
			running = append(running, h)
		} else {
			other = append(other, h)
		}
	}
	return append(running, other...), nil
}
