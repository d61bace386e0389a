package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testnet"
)

// writeJobSpec writes a spec for the trainer asking for gpus GPUs, with
// extra YAML lines.
func writeJobSpec(t *testing.T, name string, gpus int, extra string) string {
	t.Helper()
	spec := fmt.Sprintf(`name: %s
image: sha256:%064x
command: [/trainer]
resources: {gpus: %d, cpus: 1, memory_mib: 128, disk_mib: 16}
steps: 200
checkpoint_every: 50
verification: {mode: exact, samples: 2}
max_price_per_gpu_hour: 2gpu
deposit: 10gpu
max_duration: 10m
%s`, name, 1, gpus, extra)
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type planOutput struct {
	Placement *struct {
		Provider string `json:"provider"`
	} `json:"placement"`
	Candidates []struct {
		Provider string `json:"provider"`
		Feasible bool   `json:"feasible"`
		Reason   string `json:"reason"`
		Stake    string `json:"stake"`
	} `json:"candidates"`
}

// job plan on a spec no provider fits says why, per provider, and exits 0:
// a plan is information.
func TestJobPlanSaysWhyNot(t *testing.T) {
	c := cli{t: t, n: testnet.New(t, testnet.DefaultOptions())}
	spec := writeJobSpec(t, "big", 8, "")

	out := c.ok("job", "plan", spec)
	if !strings.Contains(out, "none is registered") {
		t.Fatalf("plan with no providers:\n%s", out)
	}

	c.ok("stake", "add", "20gpu", "--role", "provider", "--from", "provider1")
	c.ok("provider", "register", "--peer-id", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
		"--gpu", "NVIDIA H100 80GB HBM3:81559:9.0:4", "--multiaddr", "/ip4/127.0.0.1/tcp/4001", "--price", "1gpu", "--from", "provider1")
	out = c.ok("job", "plan", spec)
	if !strings.Contains(out, "no provider can run this job now") || !strings.Contains(out, "not enough free GPUs") ||
		!strings.Contains(out, c.n.Addr("provider1")) {
		t.Fatalf("plan for 8 GPUs on a 4-GPU provider:\n%s", out)
	}
	var p planOutput
	c.json(&p, "job", "plan", spec)
	if p.Placement != nil || len(p.Candidates) != 1 || p.Candidates[0].Feasible ||
		p.Candidates[0].Reason != "not enough free GPUs" || p.Candidates[0].Stake != "20000000ugpu" {
		t.Fatalf("plan --output json: %+v", p)
	}
}

// The job commands refuse misuse with the flag or argument to fix.
func TestJobCommandsBadUse(t *testing.T) {
	c := cli{t: t, n: testnet.New(t, testnet.DefaultOptions())}
	spec := writeJobSpec(t, "small", 0, "")
	c.ok("job", "submit", spec, "--from", "alice")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"plan missing spec", []string{"job", "plan", filepath.Join(t.TempDir(), "nope.yaml")}, exitUsage, "read job spec"},
		{"plan no spec", []string{"job", "plan"}, exitUsage, "expected FILE"},
		{"logs without from", []string{"job", "logs", "1"}, exitUsage, "--from: missing"},
		{"logs bad id", []string{"job", "logs", "one", "--from", "alice"}, exitUsage, "job_id:"},
		{"logs unknown key", []string{"job", "logs", "1", "--from", "mallory"}, exitError, "--from mallory: no such key"},
		{"logs of a pending job", []string{"job", "logs", "1", "--from", "alice"}, exitError, "has had no provider yet"},
		{"fetch missing job", []string{"job", "fetch", "99"}, exitError, "no job 99"},
		{"fetch dir and dest", []string{"job", "fetch", "1", "--dir", "a", "--dest", "b"}, exitUsage, "--dir and --dest"},
		{"fetch before any checkpoint", []string{"job", "fetch", "1"}, exitError, "no committed checkpoint yet"},
		{"status watch bad id", []string{"job", "status", "0", "--watch"}, exitUsage, "job_id:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := c.run(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q (stdout %q); want exit %d and %q", code, errOut, out, tc.code, tc.want)
			}
		})
	}
}

// job status --watch follows a job to its end and exits 1 when it did not
// succeed: here its client cancels it while no provider runs it.
func TestJobWatchCancelledExits1(t *testing.T) {
	c := cli{t: t, n: testnet.New(t, testnet.DefaultOptions())}
	c.ok("job", "submit", writeJobSpec(t, "cancelled", 0, ""), "--from", "alice")
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := c.run("job", "status", "1", "--watch")
		done <- result{out, errOut, code}
	}()
	time.Sleep(1500 * time.Millisecond)
	c.ok("job", "cancel", "1", "--from", "alice")
	select {
	case r := <-done:
		if r.code != exitError || !strings.Contains(r.errOut, "step 0/200 status pending") ||
			!strings.Contains(r.errOut, "job 1 ended cancelled") || !strings.Contains(r.out, "cancelled") {
			t.Fatalf("watch of a cancelled job: exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("job status --watch did not end within 30s of the cancel")
	}
}
