package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/node/streams"
	"github.com/gpunet/gpunet/stake/types"
)

func jobFetchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fetch ID [--step N] [--dir DIR | --dest PATH]",
		Short: "Download a committed checkpoint, verified against the root on chain",
		Long: `fetch downloads a job's checkpoint from the provider that committed it,
over /gpunet/checkpoint/1, checking every 1 MiB chunk against the Merkle
root on chain; nothing is left behind unless the whole file verifies.
--step picks the checkpoint (default: the last committed one). The file
goes to --dest, or into --dir as job-<ID>-step-<8 digits>.safetensors.`,
		Example: "  gpunet job fetch 1\n  gpunet job fetch 1 --step 100 --dest ./resume.safetensors",
		Args:    exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			dir, _ := fl.GetString("dir")
			dest, _ := fl.GetString("dest")
			if fl.Changed("dir") && dest != "" {
				return usageError{fmt.Errorf("--dir and --dest: pass one; --dest names the file, --dir the directory it goes in")}
			}
			step, _ := fl.GetInt64("step")
			if fl.Changed("step") && step < 0 {
				return usageError{fmt.Errorf("--step: %d is negative; pass a committed step (see `gpunet job status %d`)", step, id)}
			}
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.Query.Job(s.ctx, &types.QueryJobRequest{Id: id})
			if err != nil {
				return unwrap(err)
			}
			j := res.Job
			if len(j.Checkpoints) == 0 {
				return fmt.Errorf("job %d (%s) has no committed checkpoint yet; see `gpunet job status %d --watch`", id, j.Status.ShortName(), id)
			}
			cp := j.Checkpoints[len(j.Checkpoints)-1]
			if fl.Changed("step") {
				found := false
				var steps []string
				for _, c := range j.Checkpoints {
					steps = append(steps, fmt.Sprint(c.Step))
					if c.Step == step {
						cp, found = c, true
					}
				}
				if !found {
					return usageError{fmt.Errorf("--step: job %d has no committed checkpoint at step %d; committed steps: %s", id, step, strings.Join(steps, ", "))}
				}
			}
			if dest == "" {
				dest = filepath.Join(dir, fmt.Sprintf("job-%d-step-%08d.safetensors", id, cp.Step))
			}
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				return fmt.Errorf("--dest %s: %w", dest, err)
			}
			h, pid, err := dialProvider(s.ctx, s, cp.Provider)
			if err != nil {
				return err
			}
			defer h.Close()
			// The download is bounded by Ctrl-C, not --timeout: checkpoints can be large.
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := streams.FetchCheckpoint(ctx, h, pid, id, cp.Step, cp.Root, dest); err != nil {
				return err
			}
			abs, _ := filepath.Abs(dest)
			root := fmt.Sprintf("%x", cp.Root)
			if wantJSON(cmd) {
				var size int64
				if fi, err := os.Stat(abs); err == nil {
					size = fi.Size()
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"job_id": id, "step": cp.Step, "root": root, "provider": cp.Provider, "path": abs, "bytes": size})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\nstep %d of job %d, root %s (verified against the chain; from %s)\n", abs, cp.Step, id, root, cp.Provider)
			return nil
		},
	}
	cmd.Flags().Int64("step", 0, "the checkpoint's step (default: the last committed one)")
	cmd.Flags().String("dir", ".", "directory to write the checkpoint into")
	cmd.Flags().String("dest", "", "file to write the checkpoint to (instead of --dir)")
	addChainFlags(cmd, false)
	return cmd
}
