package docker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
)

// BenchmarkStartToFirstLog measures how long a job takes from the start
// request to its first line of output, through the driver (hardened sandbox,
// ContainerCreate + ContainerStart, then Logs with follow) and, as the
// baseline in the same run, through a bare `docker run` of the same image.
// docker-run-hardened is `docker run` with the flags the sandbox sets, to
// tell the sandbox's cost from the driver's own.
//
// The job is the probe's "id" subcommand, which prints one line and exits.
// Removing the container is outside the timer. Each sub-benchmark does one
// untimed warm-up start first. ms/first-log is the mean per start.
func BenchmarkStartToFirstLog(b *testing.B) {
	d := engineDriver(b)
	probeOnce.Do(func() { probeID, probeErr = buildProbe(d.cli) })
	if probeErr != nil {
		b.Fatalf("build probe image: %v", probeErr)
	}
	img := probeID
	if _, err := exec.LookPath("docker"); err != nil {
		b.Skipf("docker CLI not found: %v", err)
	}

	b.Run("driver", func(b *testing.B) {
		cfg := baseConfig(b, img, "id")
		benchFirstLog(b, func() error { return driverFirstLog(b, d, cfg) })
	})
	b.Run("docker-run", func(b *testing.B) {
		benchFirstLog(b, func() error {
			return cliFirstLog(b, "run", "--rm", "--network", "none", img, "id")
		})
	})
	b.Run("docker-run-hardened", func(b *testing.B) {
		cfg := baseConfig(b, img, "id")
		args := []string{
			"run", "--rm", "--network", "none",
			"--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
			"--user", DefaultUser, "--ipc", "private", "--init",
			"--pids-limit", fmt.Sprint(cfg.PidsLimit),
			"--memory", fmt.Sprintf("%dm", cfg.MemoryMiB), "--memory-swap", fmt.Sprintf("%dm", cfg.MemoryMiB),
			"--cpus", fmt.Sprint(cfg.CPUs),
			"--tmpfs", fmt.Sprintf("/tmp:rw,noexec,nosuid,nodev,size=%dm", DefaultConfig().TmpfsSizeMiB),
			"--mount", fmt.Sprintf("type=bind,source=%s,target=%s", cfg.CheckpointDir, gprt.ContainerCheckpointDir),
			"--entrypoint", "/probe",
		}
		for _, kv := range cfg.TaskEnv() {
			args = append(args, "--env", kv)
		}
		args = append(args, img, "id")
		benchFirstLog(b, func() error { return cliFirstLog(b, args...) })
	})
}

// benchFirstLog runs one untimed warm-up, then b.N starts, and reports the
// mean time to the first line. start runs the benchmark timer only from the
// start request to the first line, and cleans up before it returns.
func benchFirstLog(b *testing.B, start func() error) {
	b.StopTimer()
	if err := start(); err != nil {
		b.Fatalf("warm-up: %v", err)
	}
	b.ResetTimer()
	for range b.N {
		if err := start(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/first-log")
}

// driverFirstLog starts cfg through the driver, follows its logs to the
// first line, then destroys the container.
func driverFirstLog(b *testing.B, d *Driver, cfg gprt.TaskConfig) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b.StartTimer()
	h, err := d.Start(ctx, cfg)
	if err != nil {
		b.StopTimer()
		return fmt.Errorf("start: %w", err)
	}
	defer func() {
		b.StopTimer()
		if err := d.Destroy(context.WithoutCancel(ctx), h.ID); err != nil {
			b.Errorf("destroy: %v", err)
		}
	}()
	rc, err := d.Logs(ctx, h.ID, true)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	line, err := bufio.NewReader(rc).ReadString('\n')
	b.StopTimer()
	rc.Close()
	if err != nil || !strings.HasPrefix(line, "uid=") {
		return fmt.Errorf("first log line %q: %v", line, err)
	}
	return nil
}

// cliFirstLog runs the docker CLI with args, reads its stdout to the first
// line, then waits for it to exit.
func cliFirstLog(b *testing.B, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	b.StartTimer()
	if err := cmd.Start(); err != nil {
		b.StopTimer()
		return fmt.Errorf("docker %v: %w", args, err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	b.StopTimer()
	_, _ = io.Copy(io.Discard, out)
	if werr := cmd.Wait(); werr != nil {
		return fmt.Errorf("docker run: %w: %s", werr, stderr.String())
	}
	if err != nil || !strings.HasPrefix(line, "uid=") {
		return fmt.Errorf("docker run: first line %q: %v", line, err)
	}
	return nil
}
