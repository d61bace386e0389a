package main

import (
	"context"
	"strings"
	"testing"

	"cosmossdk.io/math"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/internal/testnet"
	"github.com/gpunet/gpunet/internal/testnode"
	"github.com/gpunet/gpunet/node"
	"github.com/gpunet/gpunet/runtime/commit"
	"github.com/gpunet/gpunet/stake/types"
)

// startProvider runs key's provider node, with the docker driver and no
// GPUs, until the test ends, and waits for it to register its capacity.
func startProvider(t *testing.T, n *testnet.Network, key string) {
	t.Helper()
	testnode.Start(t, testnode.Config(t, n, key, nil), node.Deps{})
	testnode.WaitRegistered(t, n, key)
}

// A job goes through the CLI end to end on a real provider node running the
// trainer image: plan, submit --watch to success, status, logs (the
// client's only), and fetch verified against the chain.
func TestJobSubmitWatchLogsFetch(t *testing.T) {
	img := testimage.Trainer(t)
	n := testnet.New(t, testnet.DefaultOptions())
	c := cli{t: t, n: n}
	c.ok("stake", "add", "50gpu", "--role", "provider", "--from", "provider1")
	startProvider(t, n, "provider1")
	spec := writeJobSpec(t, "cli-e2e", 0, "env: {TRAINER_STEP_DELAY: 5ms}\n")

	if out := c.ok("job", "plan", spec); !strings.Contains(out, "would place on "+n.Addr("provider1")+" at price") {
		t.Fatalf("job plan with provider1 running:\n%s", out)
	}
	if _, errOut, code := c.run("job", "submit", spec, "--image", "gpunet-no-such-image:dev", "--from", "alice"); code != exitUsage ||
		!strings.Contains(errOut, "--image:") || !strings.Contains(errOut, "not on this machine") {
		t.Fatalf("submit --image of a missing tag: exit %d, stderr %q", code, errOut)
	}

	// A short image ID is no pinned reference: the engine resolves it.
	short := strings.TrimPrefix(img, "sha256:")[:12]
	out, errOut, code := c.run("job", "submit", spec, "--image", short, "--watch", "--from", "alice")
	if code != 0 {
		t.Fatalf("submit --watch: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "step 200/200 status") || !strings.Contains(out, "succeeded") || !strings.Contains(out, "Timeline") {
		t.Fatalf("submit --watch output:\nstdout: %s\nstderr: %s", out, errOut)
	}

	var j jobJSON
	c.json(&j, "job", "status", "1")
	paid, ok := math.NewIntFromString(strings.TrimSuffix(j.Paid, types.Denom))
	if j.Status != "succeeded" || len(j.Checkpoints) != 4 || !ok || !paid.IsPositive() || len(j.History) < 4 {
		t.Fatalf("job status --output json: %+v", j)
	}
	var spec0 struct {
		Image string `json:"image"`
	}
	if err := jsonUnmarshal(j.Spec, &spec0); err != nil || spec0.Image != img {
		t.Fatalf("spec image %q, want the resolved %s (%v)", spec0.Image, img, err)
	}
	var watched jobJSON
	c.json(&watched, "job", "status", "1", "--watch")
	if watched.Status != "succeeded" || len(watched.Checkpoints) != 4 {
		t.Fatalf("job status --watch --output json: %+v", watched)
	}

	if out := c.ok("job", "logs", "1", "--from", "alice"); !strings.Contains(out, `{"step":200`) {
		t.Fatalf("job logs:\n%s", out)
	}
	if out, errOut, code := c.run("job", "logs", "1", "--from", "bob"); code != exitError || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("job logs --from bob: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	var f struct {
		Step int64  `json:"step"`
		Root string `json:"root"`
		Path string `json:"path"`
	}
	c.json(&f, "job", "fetch", "1", "--step", "100", "--dir", t.TempDir())
	got, _, err := commit.File(context.Background(), f.Path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if f.Step != 100 || got.Hex() != j.Checkpoints[1].Root || f.Root != j.Checkpoints[1].Root {
		t.Fatalf("fetched step %d to %s with root %s; file root %s, chain root %s", f.Step, f.Path, f.Root, got.Hex(), j.Checkpoints[1].Root)
	}
}
