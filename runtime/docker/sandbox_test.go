package docker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"

	gprt "github.com/gpunet/gpunet/runtime"
)

func TestSandboxRefusesEscapes(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*gprt.TaskConfig)
		want string
	}{
		{"privileged", func(c *gprt.TaskConfig) { c.Requests.Privileged = true }, "privileged"},
		{"host network", func(c *gprt.TaskConfig) { c.Requests.NetworkMode = "host" }, "network mode"},
		{"bridge network", func(c *gprt.TaskConfig) { c.Requests.NetworkMode = "bridge" }, "network mode"},
		{"host pid", func(c *gprt.TaskConfig) { c.Requests.PIDMode = "host" }, "pid namespace"},
		{"host ipc", func(c *gprt.TaskConfig) { c.Requests.IPCMode = "host" }, "ipc namespace"},
		{"capability", func(c *gprt.TaskConfig) { c.Requests.CapAdd = []string{"SYS_ADMIN"} }, "capabilities"},
		{"device", func(c *gprt.TaskConfig) { c.Requests.Devices = []string{"/dev/mem"} }, "devices"},
		{"host mount", func(c *gprt.TaskConfig) { c.Requests.HostMounts = []string{"/:/host"} }, "host mounts"},
		{"root uid", func(c *gprt.TaskConfig) { c.User = "0:0" }, "root"},
		{"root name", func(c *gprt.TaskConfig) { c.User = "root" }, "numeric"},
		{"root gid", func(c *gprt.TaskConfig) { c.User = "1000:0" }, "root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t, "sha256:deadbeef", "id")
			tt.mod(&cfg)
			// Start must refuse before talking to the engine: a cancelled
			// context proves nothing was attempted.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := d.Start(ctx, cfg)
			if !errors.Is(err, gprt.ErrSandbox) {
				t.Fatalf("Start error = %v, want ErrSandbox", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not name %q", err, tt.want)
			}
		})
	}
}

func TestBuildSpecHardenedByDefault(t *testing.T) {
	d, err := New(Config{Runtime: "runsc", DefaultUser: DefaultUser, TmpfsSizeMiB: 16, DefaultPidsLimit: 99})
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	cfg := baseConfig(t, "img", "id")
	cfg.PidsLimit = 0
	cfg.InputDir = t.TempDir()
	cc, hc, err := d.buildSpec(cfg)
	if err != nil {
		t.Fatalf("buildSpec: %v", err)
	}
	if cc.User != DefaultUser || !hc.ReadonlyRootfs || hc.Privileged || hc.NetworkMode != "none" ||
		hc.Runtime != "runsc" || *hc.PidsLimit != 99 || hc.Memory != 64<<20 || hc.MemorySwap != hc.Memory ||
		hc.NanoCPUs != 1e9 || len(hc.DeviceRequests) != 0 || len(hc.Mounts) != 2 || !hc.Mounts[1].ReadOnly {
		t.Fatalf("spec not hardened: config %+v host %+v", cc, hc)
	}
	if !strings.Contains(hc.Tmpfs["/tmp"], "noexec") || !strings.Contains(hc.Tmpfs["/tmp"], "size=16m") {
		t.Fatalf("tmpfs = %q", hc.Tmpfs["/tmp"])
	}
	for _, k := range []string{LabelJob, LabelSegment, LabelManaged} {
		if _, ok := cc.Labels[k]; !ok {
			t.Fatalf("label %s missing: %v", k, cc.Labels)
		}
	}
	cfg.GPUUUIDs = []string{"GPU-1", "GPU-2"}
	_, hc, err = d.buildSpec(cfg)
	if err != nil {
		t.Fatalf("buildSpec with GPUs: %v", err)
	}
	dr := hc.DeviceRequests
	if len(dr) != 1 || dr[0].Driver != "nvidia" || strings.Join(dr[0].DeviceIDs, ",") != "GPU-1,GPU-2" || dr[0].Capabilities[0][0] != "gpu" {
		t.Fatalf("device requests = %+v", dr)
	}
}

func TestNoNetwork(t *testing.T) {
	d := engineDriver(t)
	img := probeImage(t, d)
	gw := "172.17.0.1"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := d.cli.NetworkInspect(ctx, "bridge", network.InspectOptions{}); err == nil && len(n.IPAM.Config) > 0 && n.IPAM.Config[0].Gateway != "" {
		gw = n.IPAM.Config[0].Gateway
	}
	for _, addr := range []string{gw + ":80", "1.1.1.1:53"} {
		out, _ := run(t, d, baseConfig(t, img, "net", addr))
		if !strings.Contains(out, "net FAIL") {
			t.Errorf("connect to %s: %q, want failure", addr, out)
		}
	}
}

func TestReadOnlyRoot(t *testing.T) {
	d := engineDriver(t)
	out, _ := run(t, d, baseConfig(t, probeImage(t, d), "writeroot"))
	if !strings.Contains(out, "writeroot FAIL") || !strings.Contains(out, "read-only") {
		t.Fatalf("write to / = %q, want read-only failure", out)
	}
}

func TestPidsLimit(t *testing.T) {
	d := engineDriver(t)
	cfg := baseConfig(t, probeImage(t, d), "fork", "200")
	cfg.PidsLimit = 32
	out, _ := run(t, d, cfg)
	if strings.Contains(out, "fork OK") || !(strings.Contains(out, "fork FAIL") || strings.Contains(out, "failed to create new OS thread")) {
		t.Fatalf("fork 200 under pids 32 = %q, want failure", out)
	}
}

func TestMemoryLimitOOM(t *testing.T) {
	d := engineDriver(t)
	out, res := run(t, d, baseConfig(t, probeImage(t, d), "alloc", "512"))
	if !res.OOMKilled || res.Successful() || strings.Contains(out, "alloc OK") {
		t.Fatalf("alloc 512 MiB under 64 MiB: result %+v output %q, want OOM kill", res, out)
	}
}

func TestNonRootUser(t *testing.T) {
	d := engineDriver(t)
	out, res := run(t, d, baseConfig(t, probeImage(t, d), "id"))
	if !res.Successful() || !strings.Contains(out, "uid=65532 gid=65532") {
		t.Fatalf("id = %q (%+v), want uid=65532 gid=65532", out, res)
	}
}

func TestNoHostPaths(t *testing.T) {
	d := engineDriver(t)
	img := probeImage(t, d)
	secret := filepath.Join(t.TempDir(), "host-secret")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := run(t, d, baseConfig(t, img, "cat", secret))
	if !strings.Contains(out, "cat FAIL") {
		t.Fatalf("host file visible: %q", out)
	}
	out, _ = run(t, d, baseConfig(t, img, "ls", "/"))
	// sbin holds only the engine's docker-init, mounted read-only (Config.Init).
	allowed := map[string]bool{"dev": true, "etc": true, "gpunet": true, "probe": true, "proc": true, "sys": true, "tmp": true, ".dockerenv": true, "sbin": true}
	for _, name := range strings.Fields(out) {
		if !allowed[name] {
			t.Errorf("unexpected entry /%s in container root (ls: %q)", name, out)
		}
	}
	if out, _ = run(t, d, baseConfig(t, img, "ls", "/sbin")); strings.TrimSpace(out) != "docker-init" {
		t.Errorf("/sbin holds %q, want only docker-init", out)
	}
	host, _ := os.Hostname()
	out, _ = run(t, d, baseConfig(t, img, "cat", "/etc/hostname"))
	if host != "" && strings.TrimSpace(out) == host {
		t.Fatalf("container sees the host's hostname %q", host)
	}
}

// TestValidateSandboxCatchesTampering checks ValidateSandbox on its own: a
// spec changed after buildSpec in any of these ways is refused.
func TestValidateSandboxCatchesTampering(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	cfg := baseConfig(t, "img", "id")
	yes := true
	tamper := map[string]func(*container.Config, *container.HostConfig){
		"writable root": func(_ *container.Config, hc *container.HostConfig) { hc.ReadonlyRootfs = false },
		"caps kept":     func(_ *container.Config, hc *container.HostConfig) { hc.CapDrop = nil },
		"seccomp off": func(_ *container.Config, hc *container.HostConfig) {
			hc.SecurityOpt = append(hc.SecurityOpt, "seccomp=unconfined")
		},
		"userns host":   func(_ *container.Config, hc *container.HostConfig) { hc.UsernsMode = "host" },
		"uts host":      func(_ *container.Config, hc *container.HostConfig) { hc.UTSMode = "host" },
		"swap":          func(_ *container.Config, hc *container.HostConfig) { hc.MemorySwap = -1 },
		"no cpu limit":  func(_ *container.Config, hc *container.HostConfig) { hc.NanoCPUs = 0 },
		"no pids limit": func(_ *container.Config, hc *container.HostConfig) { hc.PidsLimit = nil },
		"oom disabled":  func(_ *container.Config, hc *container.HostConfig) { hc.OomKillDisable = &yes },
		"exec tmpfs":    func(_ *container.Config, hc *container.HostConfig) { hc.Tmpfs["/tmp"] = "rw,size=1m" },
		"extra tmpfs":   func(_ *container.Config, hc *container.HostConfig) { hc.Tmpfs["/run"] = "noexec,nosuid,size=1m" },
		"sysctl": func(_ *container.Config, hc *container.HostConfig) {
			hc.Sysctls = map[string]string{"net.ipv4.ip_forward": "1"}
		},
		"extra mount": func(_ *container.Config, hc *container.HostConfig) {
			hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: "/", Target: "/host"})
		},
		"ro checkpoint": func(_ *container.Config, hc *container.HostConfig) { hc.Mounts[0].ReadOnly = true },
		"volume mount":  func(_ *container.Config, hc *container.HostConfig) { hc.Mounts[0].Type = mount.TypeVolume },
		"all gpus": func(_ *container.Config, hc *container.HostConfig) {
			hc.DeviceRequests = []container.DeviceRequest{{Driver: "nvidia", Count: -1}}
		},
		"network enabled": func(cc *container.Config, _ *container.HostConfig) { cc.NetworkDisabled = false },
		"root user":       func(cc *container.Config, _ *container.HostConfig) { cc.User = "0" },
	}
	for name, mod := range tamper {
		t.Run(name, func(t *testing.T) {
			cc, hc, err := d.buildSpec(cfg)
			if err != nil {
				t.Fatalf("buildSpec: %v", err)
			}
			mod(cc, hc)
			if err := ValidateSandbox(cc, hc, cfg); !errors.Is(err, gprt.ErrSandbox) {
				t.Fatalf("ValidateSandbox = %v, want ErrSandbox", err)
			}
		})
	}
}
