package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/node/streams"
	"github.com/gpunet/gpunet/stake/types"
)

func jobLogsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs ID --from KEY [-f]",
		Short: "Print a job's output, read from its provider over libp2p",
		Long: `logs asks the provider the job is leased to (or, once the lease ended, the
one that committed its last checkpoint) for the job's output, over
/gpunet/logs/1. The request is signed with --from's key: providers serve
logs to the job's client only. -f follows the output until the job's run
ends, or Ctrl-C.`,
		Example: "  gpunet job logs 1 --from alice\n  gpunet job logs 1 -f --from alice",
		Args:    exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
			}
			name, err := from(cmd)
			if err != nil {
				return err
			}
			follow, _ := cmd.Flags().GetBool("follow")
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := s.Address(name); err != nil {
				return err
			}
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			res, err := s.Query.Job(s.ctx, &types.QueryJobRequest{Id: id})
			if err != nil {
				return unwrap(err)
			}
			j := res.Job
			provider, _ := cmd.Flags().GetString("provider")
			if provider == "" {
				if provider, err = jobProvider(j); err != nil {
					return fmt.Errorf("job %d (%s) %w: logs exist once a provider runs it", id, j.Status.ShortName(), err)
				}
			}

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			h, pid, err := dialProvider(s.ctx, s, provider)
			if err != nil {
				return err
			}
			defer h.Close()
			r, err := streams.ReadLogs(ctx, h, pid, id, follow, keyringSigner{kr: kr, name: name})
			if errors.Is(err, streams.ErrForbidden) {
				return fmt.Errorf("--from %s: %w; only job %d's client %s may read its logs: pass --from with that key", name, err, id, j.Client)
			}
			if errors.Is(err, streams.ErrNotFound) {
				return fmt.Errorf("%w; the job has not run on provider %s (pass --provider to ask another)", err, provider)
			}
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(cmd.OutOrStdout(), r)
			if ctx.Err() != nil {
				return nil // Ctrl-C
			}
			return err
		},
	}
	cmd.Flags().BoolP("follow", "f", false, "keep printing new output until the job's run ends")
	cmd.Flags().String("provider", "", "ask this provider (chain address) instead of the job's current or last one")
	addChainFlags(cmd, true)
	return cmd
}
