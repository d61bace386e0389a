package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testimage"
	"github.com/gpunet/gpunet/stake/chain"
)

// syncBuffer is a bytes.Buffer the devnet goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// devnet runs `gpunet devnet` until stop is called, which cancels it as
// Ctrl-C would and returns its exit code and output.
func startDevnet(t *testing.T, args ...string) (out *syncBuffer, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, append([]string{"devnet"}, args...), out, errOut) }()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C to stop") {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("devnet exited %d before it was up:\n%s\n%s", code, out, errOut)
		case <-deadline:
			cancel()
			t.Fatalf("devnet not up after 60s:\n%s\n%s", out, errOut)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return out, func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, out.String() + errOut.String()
		case <-time.After(60 * time.Second):
			t.Fatal("devnet did not stop within 60s of Ctrl-C")
			return 0, ""
		}
	}
}

func TestDevnetStopsCleanlyAndResumes(t *testing.T) {
	home := filepath.Join(t.TempDir(), "devnet")
	addrs, err := chain.FreeLoopbackAddrs(4)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--home", home, "--block-time", "200ms",
		"--rpc-laddr", addrs[0], "--p2p-laddr", addrs[1], "--grpc-laddr", addrs[2], "--api-laddr", addrs[3],
		"--provider-p2p-laddr", "/ip4/127.0.0.1/tcp/0", "--provider-http-laddr", "127.0.0.1:0", "--mdns=false"}
	out, stop := startDevnet(t, args...)
	for _, want := range []string{"Created a new devnet in " + home, "gRPC  " + addrs[2], "provider1", "--grpc-addr " + addrs[2]} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("first start does not say %q:\n%s", want, out)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"stake", "add", "5gpu", "--role", "provider", "--from", "provider1", "--home", home, "--grpc-addr", addrs[2]}, &stdout, &stderr); code != 0 {
		t.Fatalf("stake add against the devnet: exit %d: %s", code, stderr.String())
	}
	// The devnet's provider registers itself and shows its own offer.
	m := regexp.MustCompile(`HTTP     http://(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("devnet does not print its provider's HTTP address:\n%s", out)
	}
	providerHTTP := m[1]
	deadline := time.Now().Add(45 * time.Second)
	for {
		stdout.Reset()
		stderr.Reset()
		code := run([]string{"offers", "--node-http", providerHTTP, "-o", "json"}, &stdout, &stderr)
		if code == 0 && strings.Contains(stdout.String(), `"peer_id"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gpunet offers never showed the devnet provider's offer: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	stdout.Reset()
	if code := run([]string{"provider", "list", "--home", home, "--grpc-addr", addrs[2]}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "12D3KooW") {
		t.Fatalf("provider list does not show the devnet provider with its peer ID: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	devnetRunsAJob(t, home, addrs[2])
	code, text := stop()
	if code != 0 {
		t.Fatalf("devnet exit code after Ctrl-C: %d\n%s", code, text)
	}
	m = regexp.MustCompile(`Stopped at height (\d+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("devnet did not say where it stopped:\n%s", text)
	}

	out, stop = startDevnet(t, args...)
	if !strings.Contains(out.String(), "Resuming the devnet in "+home+" at height "+m[1]) {
		t.Fatalf("second start does not resume at height %s:\n%s", m[1], out)
	}
	stdout.Reset()
	if code := run([]string{"stake", "show", "provider1", "--home", home, "--grpc-addr", addrs[2], "-o", "json"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), `"provider": "105000000ugpu"`) {
		t.Fatalf("stake after resume: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if code, text := stop(); code != 0 {
		t.Fatalf("second stop: exit %d\n%s", code, text)
	}
}

// devnetRunsAJob submits the example trainer to the devnet and waits for it
// to succeed: the devnet's provider runs it in Docker and is paid.
func devnetRunsAJob(t *testing.T, home, grpc string) {
	t.Helper()
	img := testimage.Trainer(t)
	spec := filepath.Join(t.TempDir(), "job.yaml")
	src, err := os.ReadFile("../../examples/jobs/trainer-cpu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^image: .*$`).ReplaceAllString(string(src), "image: "+img)
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	chainFlags := []string{"--home", home, "--grpc-addr", grpc}
	balance := func() string {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"stake", "show", "provider1", "-o", "json"}, chainFlags...), &stdout, &stderr); code != 0 {
			t.Fatalf("stake show: %s", stderr.String())
		}
		var v struct {
			Balance string `json:"balance"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		return v.Balance
	}
	before := balance()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"job", "submit", spec, "--from", "alice", "-o", "json"}, chainFlags...), &stdout, &stderr); code != 0 {
		t.Fatalf("job submit: exit %d: %s", code, stderr.String())
	}
	var sub struct {
		JobID uint64 `json:"job_id"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &sub); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		stdout.Reset()
		stderr.Reset()
		run(append([]string{"job", "status", fmt.Sprint(sub.JobID), "-o", "json"}, chainFlags...), &stdout, &stderr)
		if strings.Contains(stdout.String(), `"status": "succeeded"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the devnet's job did not succeed in 90s:\n%s%s", stdout.String(), stderr.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
	if after := balance(); after == before {
		t.Fatalf("provider1's balance did not change (%s): the provider was not paid", after)
	}
}
