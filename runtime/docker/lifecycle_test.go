package docker

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestFailedStartLeavesNothing(t *testing.T) {
	d := engineDriver(t)
	img := probeImage(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bad, err := New(Config{Runtime: "no-such-runtime", DefaultUser: DefaultUser, TmpfsSizeMiB: 16, DefaultPidsLimit: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	cfg := baseConfig(t, img, "id")
	if h, err := bad.Start(ctx, cfg); err == nil {
		destroy(t, d, h.ID)
		t.Fatal("start with an unknown OCI runtime succeeded")
	} else {
		t.Logf("refused as expected: %v", err)
	}
	list, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.JobID == cfg.JobID {
			t.Fatalf("container %s left behind after failed start", m.ContainerID)
		}
	}
}

func TestLogsFollow(t *testing.T) {
	d := engineDriver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := d.Start(ctx, baseConfig(t, probeImage(t, d), "sleep", "1"))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { destroy(t, d, h.ID) })
	rc, err := d.Logs(ctx, h.ID, true)
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc) // returns when the task exits
	if err != nil {
		t.Fatalf("read followed logs: %v", err)
	}
	if got := string(b); got != "sleeping\nslept\n" {
		t.Fatalf("followed logs = %q", got)
	}
}

func TestTmpWritable(t *testing.T) {
	d := engineDriver(t)
	out, res := run(t, d, baseConfig(t, probeImage(t, d), "write", "/tmp/scratch", "x"))
	if !res.Successful() || !strings.Contains(out, "write OK") {
		t.Fatalf("write /tmp = %q (%+v)", out, res)
	}
}
