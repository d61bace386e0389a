// Package testimage builds the container images that tests run on the real
// Docker engine. No registry is reachable where gpunet is tested, so every
// image is a static Go binary in an image built FROM scratch.
//
// It is for tests only; it must not be imported by production code.
package testimage

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// TrainerPackage is the example trainer's import path.
const TrainerPackage = "github.com/gpunet/gpunet/examples/trainer"

// Engine returns a client of the real engine. It skips the test when no
// engine answers, except with CI=true, where a missing engine fails it.
func Engine(t testing.TB) client.APIClient {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker engine unreachable and CI=true: %v", err)
		}
		t.Skipf("docker engine unreachable (set CI=true to make this a failure): %v", err)
	}
	return cli
}

var (
	trainerOnce sync.Once
	trainerID   string
	trainerErr  error
	builtMu     sync.Mutex
	built       []string
)

// Trainer returns the image ID of the example trainer, built once per test
// process. Call Cleanup from TestMain to remove it.
func Trainer(t testing.TB) string {
	t.Helper()
	cli := Engine(t)
	trainerOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		trainerID, trainerErr = Build(ctx, cli, TrainerPackage, "trainer")
	})
	if trainerErr != nil {
		t.Fatalf("build trainer image: %v", trainerErr)
	}
	return trainerID
}

// TrainerBinary builds the trainer for the host, for the exec driver, into
// dir and returns its path.
func TrainerBinary(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "trainer")
	if err := goBuild(context.Background(), TrainerPackage, bin); err != nil {
		t.Fatalf("build trainer: %v", err)
	}
	return bin
}

// Cleanup removes the tags this process gave its images. Test processes
// run in parallel, and the build cache hands identical builds the same image
// ID, so an image is never removed by ID or by force: the engine deletes it
// with its last tag, and keeps it while another process still uses it.
// Errors are printed, not returned: it runs after the tests, from TestMain.
func Cleanup() {
	builtMu.Lock()
	ids := built
	built = nil
	builtMu.Unlock()
	if len(ids) == 0 {
		return
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return
	}
	defer cli.Close()
	for _, tag := range ids {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := cli.ImageRemove(ctx, tag, image.RemoveOptions{PruneChildren: true}); err != nil && !errdefs.IsConflict(err) {
			fmt.Fprintln(os.Stderr, "testimage: untag", tag, err)
		}
		cancel()
	}
}

func goBuild(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w: %s", pkg, err, b)
	}
	return nil
}

// Build compiles the Go main package pkg as a static binary and builds an
// image FROM scratch holding it as /name, its entrypoint, running as
// 65532:65532. It returns the image ID.
func Build(ctx context.Context, cli client.APIClient, pkg, name string) (string, error) {
	dir, err := os.MkdirTemp("", "gpunet-testimage-")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, name)
	if err := goBuild(ctx, pkg, bin); err != nil {
		return "", err
	}
	binBytes, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("read binary: %w", err)
	}
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY %s /%s\nUSER 65532:65532\nENTRYPOINT [\"/%s\"]\n", name, name, name)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(dockerfile)},
		{name, 0o755, binBytes},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return "", fmt.Errorf("tar header: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return "", fmt.Errorf("tar write: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", fmt.Errorf("tar close: %w", err)
	}
	tag := fmt.Sprintf("gpunet-test/%s:%d-%d", name, os.Getpid(), time.Now().UnixNano())
	resp, err := cli.ImageBuild(ctx, &buf, build.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		return "", fmt.Errorf("image build: %w", err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("image build output: %w", err)
		}
		if msg.Error != "" {
			return "", fmt.Errorf("image build: %s", msg.Error)
		}
	}
	info, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		return "", fmt.Errorf("inspect image %s: %w", tag, err)
	}
	builtMu.Lock()
	built = append(built, tag)
	builtMu.Unlock()
	return info.ID, nil
}
