package docker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	gprt "github.com/gpunet/gpunet/runtime"
)

// Labels set on every container the driver creates.
const (
	LabelJob     = "gpunet.job"
	LabelSegment = "gpunet.segment"
	LabelManaged = "gpunet.managed"
	LabelOwner   = "gpunet.owner"
)

// buildSpec turns a task into the container and host configs, sandbox included.
// Requests in cfg.Requests are copied in as asked, so that ValidateSandbox
// refuses them by name.
func (d *Driver) buildSpec(cfg gprt.TaskConfig) (*container.Config, *container.HostConfig, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("build spec: %w", err)
	}
	user := cfg.User
	if user == "" {
		user = d.cfg.DefaultUser
	}
	user, err := parseUser(user)
	if err != nil {
		return nil, nil, fmt.Errorf("build spec: %w", err)
	}
	labels := map[string]string{}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	labels[LabelJob], labels[LabelSegment], labels[LabelManaged] = cfg.JobID, cfg.Segment, "true"
	delete(labels, LabelOwner)
	if cfg.Owner != "" {
		labels[LabelOwner] = cfg.Owner
	}

	// The spec's command replaces the image's entrypoint, as a Kubernetes
	// command does: the job says exactly what runs, and an image whose
	// ENTRYPOINT is the program itself does not receive it as an argument.
	cc := &container.Config{
		Image:           cfg.Image,
		Entrypoint:      cfg.Command,
		Env:             cfg.TaskEnv(),
		User:            user,
		Labels:          labels,
		NetworkDisabled: true,
	}
	pids := cfg.PidsLimit
	if pids == 0 {
		pids = d.cfg.DefaultPidsLimit
	}
	mem := cfg.MemoryMiB << 20
	hc := &container.HostConfig{
		Privileged:     cfg.Requests.Privileged,
		CapAdd:         cfg.Requests.CapAdd,
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		ReadonlyRootfs: true,
		// An init process (the engine's docker-init, i.e. tini) is PID 1:
		// it forwards docker stop's SIGTERM to the job and reaps zombies. A
		// job that is PID 1 itself never sees a default-action SIGTERM (the
		// kernel drops it), and a Go job then exits 2, which reads as the
		// job's own failure instead of a stop.
		Init:        &d.cfg.Init,
		Tmpfs:       map[string]string{"/tmp": fmt.Sprintf("rw,noexec,nosuid,nodev,size=%dm", d.cfg.TmpfsSizeMiB)},
		NetworkMode: container.NetworkMode(orDefault(cfg.Requests.NetworkMode, "none")),
		PidMode:     container.PidMode(cfg.Requests.PIDMode),
		IpcMode:     container.IpcMode(orDefault(cfg.Requests.IPCMode, "private")),
		Runtime:     d.cfg.Runtime,
		Binds:       cfg.Requests.HostMounts,
		Mounts: []mount.Mount{{
			Type: mount.TypeBind, Source: cfg.CheckpointDir, Target: gprt.ContainerCheckpointDir,
		}},
		Resources: container.Resources{
			Memory:     mem,
			MemorySwap: mem,
			NanoCPUs:   int64(cfg.CPUs) * 1e9,
			PidsLimit:  &pids,
		},
	}
	for _, dev := range cfg.Requests.Devices {
		hc.Devices = append(hc.Devices, container.DeviceMapping{PathOnHost: dev, PathInContainer: dev, CgroupPermissions: "rwm"})
	}
	if cfg.InputDir != "" {
		hc.Mounts = append(hc.Mounts, mount.Mount{
			Type: mount.TypeBind, Source: cfg.InputDir, Target: gprt.ContainerInputDir, ReadOnly: true,
		})
	}
	if len(cfg.GPUUUIDs) > 0 {
		hc.DeviceRequests = []container.DeviceRequest{{
			Driver: "nvidia", DeviceIDs: slices.Clone(cfg.GPUUUIDs), Capabilities: [][]string{{"gpu"}},
		}}
	}
	if err := ValidateSandbox(cc, hc, cfg); err != nil {
		return nil, nil, fmt.Errorf("build spec: %w", err)
	}
	return cc, hc, nil
}

// ValidateSandbox is the one place that decides whether a container spec
// stays inside the sandbox. Every violation is listed in the returned error,
// which wraps gprt.ErrSandbox.
func ValidateSandbox(cc *container.Config, hc *container.HostConfig, cfg gprt.TaskConfig) error {
	var v []string
	bad := func(format string, a ...any) { v = append(v, fmt.Sprintf(format, a...)) }
	if hc.Privileged {
		bad("privileged mode")
	}
	if len(hc.CapAdd) > 0 {
		bad("extra capabilities %v", hc.CapAdd)
	}
	if !slices.Equal(hc.CapDrop, []string{"ALL"}) {
		bad("capabilities not all dropped")
	}
	if !slices.Contains(hc.SecurityOpt, "no-new-privileges") || len(hc.SecurityOpt) != 1 {
		bad("security options %v (only no-new-privileges)", hc.SecurityOpt)
	}
	if !hc.ReadonlyRootfs {
		bad("writable root filesystem")
	}
	if hc.NetworkMode != "none" || !cc.NetworkDisabled {
		bad("network mode %q (only none)", hc.NetworkMode)
	}
	if hc.PidMode != "" {
		bad("pid namespace %q", hc.PidMode)
	}
	if hc.IpcMode != "private" {
		bad("ipc namespace %q", hc.IpcMode)
	}
	if hc.UTSMode != "" || hc.UsernsMode != "" || hc.CgroupnsMode == "host" {
		bad("host uts/userns/cgroup namespace")
	}
	if len(hc.Devices) > 0 || len(hc.DeviceCgroupRules) > 0 {
		bad("host devices %v", hc.Devices)
	}
	if len(hc.Binds) > 0 || len(hc.VolumesFrom) > 0 {
		bad("host mounts %v", hc.Binds)
	}
	for _, m := range hc.Mounts {
		ok := m.Type == mount.TypeBind &&
			(m.Source == cfg.CheckpointDir && m.Target == gprt.ContainerCheckpointDir && !m.ReadOnly ||
				m.Source == cfg.InputDir && m.Target == gprt.ContainerInputDir && m.ReadOnly)
		if !ok {
			bad("mount %s:%s", m.Source, m.Target)
		}
	}
	if len(hc.Mounts) > 2 {
		bad("%d mounts (at most checkpoint and input)", len(hc.Mounts))
	}
	for _, dr := range hc.DeviceRequests {
		if dr.Driver != "nvidia" || len(dr.DeviceIDs) == 0 || dr.Count != 0 {
			bad("device request %+v (only nvidia GPUs by UUID)", dr)
		}
	}
	if hc.Memory <= 0 || hc.MemorySwap != hc.Memory {
		bad("memory limit %d / swap %d", hc.Memory, hc.MemorySwap)
	}
	if hc.NanoCPUs <= 0 {
		bad("no cpu limit")
	}
	if hc.PidsLimit == nil || *hc.PidsLimit <= 0 {
		bad("no pids limit")
	}
	for target, opts := range hc.Tmpfs {
		if target != "/tmp" || !strings.Contains(opts, "noexec") || !strings.Contains(opts, "nosuid") || !strings.Contains(opts, "size=") {
			bad("tmpfs %s:%s (only a size-limited noexec,nosuid /tmp)", target, opts)
		}
	}
	if hc.OomKillDisable != nil && *hc.OomKillDisable {
		bad("OOM killer disabled")
	}
	if len(hc.Sysctls) > 0 {
		bad("sysctls %v", hc.Sysctls)
	}
	if _, err := parseUser(cc.User); err != nil {
		bad("%v", strings.TrimPrefix(err.Error(), gprt.ErrSandbox.Error()+": "))
	}
	if len(v) > 0 {
		return fmt.Errorf("%w: %s", gprt.ErrSandbox, strings.Join(v, "; "))
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
