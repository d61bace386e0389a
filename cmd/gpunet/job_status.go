package main

import (
	"fmt"
	"io"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

func jobStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status ID [--watch]",
		Short: "Show a job's state, lease, progress, payment, timeline and checkpoints",
		Long: `status shows a job as the chain holds it: its state, the provider it is
leased to and at what price, the steps done (the last committed checkpoint),
the run time and payment, the state timeline and the checkpoint trail.

--watch polls the chain every second and shows the steps done until the job
ends (succeeded, failed, cancelled or slashed), then the job; it exits 0
when the job succeeded and 1 otherwise. With --output json only the final
job is printed.`,
		Example: "  gpunet job status 1\n  gpunet job status 1 --watch",
		Args:    exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
			}
			if watch, _ := cmd.Flags().GetBool("watch"); watch {
				return watchAndReport(cmd, id, func(j types.Job) error { return printJSON(cmd.OutOrStdout(), jobView(j)) })
			}
			j, err := queryJob(cmd, id)
			if err != nil {
				return err
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), jobView(j))
			}
			printJob(cmd.OutOrStdout(), j)
			return nil
		},
	}
	cmd.Flags().Bool("watch", false, "follow the job until it ends; exit 0 if it succeeds, 1 otherwise")
	addChainFlags(cmd, false)
	return cmd
}

// queryJob reads one job from the chain.
func queryJob(cmd *cobra.Command, id uint64) (types.Job, error) {
	s, err := connect(cmd)
	if err != nil {
		return types.Job{}, err
	}
	defer s.Close()
	res, err := s.Query.Job(s.ctx, &types.QueryJobRequest{Id: id})
	if err != nil {
		return types.Job{}, unwrap(err)
	}
	return res.Job, nil
}

// jobStepsDone is the step of the job's last committed checkpoint, 0 if none.
func jobStepsDone(j types.Job) int64 {
	if n := len(j.Checkpoints); n > 0 {
		return j.Checkpoints[n-1].Step
	}
	return 0
}

// printJob writes a job for people: a field table, the state timeline and
// the checkpoints.
func printJob(out io.Writer, j types.Job) {
	spec, err := jobspec.ParseCanonical([]byte(j.Spec))
	if err != nil { // the chain validated it; only a newer spec format gets here
		spec = &jobspec.Spec{Name: "?"}
	}
	fmt.Fprintf(out, "Job %d: %s\n", j.Id, spec.Name)
	t := newTable(out, "FIELD", "VALUE")
	t.AppendRow(table.Row{"status", j.Status.ShortName()})
	t.AppendRow(table.Row{"client", j.Client})
	if l := j.Lease; l != nil {
		provider := l.Provider
		if l.AcceptedHeight == 0 {
			provider += fmt.Sprintf(" (not accepted yet; deadline height %d)", l.AcceptDeadline)
		}
		t.AppendRows([]table.Row{
			{"provider", provider},
			{"price", gpu(l.PricePerGpuHour) + " per GPU-hour"},
			{"start step", l.StartStep},
		})
	} else {
		t.AppendRow(table.Row{"provider", "none"})
	}
	t.AppendRows([]table.Row{
		{"steps done", fmt.Sprintf("%d / %d (checkpoint every %d)", jobStepsDone(j), spec.Steps, spec.CheckpointEvery)},
		{"run time", (time.Duration(j.RunSeconds) * time.Second).String()},
		{"paid", gpu(j.Paid)},
		{"owed", gpu(j.Owed)},
		{"escrow", gpu(j.Escrow)},
	})
	if j.Reason != "" {
		t.AppendRow(table.Row{"reason", j.Reason})
	}
	if j.Status == types.JOB_STATUS_VERIFYING && !j.SettleTime.IsZero() {
		t.AppendRow(table.Row{"settles", j.SettleTime.Local().Format(time.DateTime) + " (" + ago(j.SettleTime, time.Now()) + ")"})
	}
	t.AppendRows([]table.Row{
		{"image", spec.Image},
		{"gpus", spec.Resources.GPUs},
		{"max price", gpu(spec.MaxPricePerGPUHour.Int()) + " per GPU-hour"},
		{"placements", j.Placements},
		{"seed", j.Seed},
		{"created at height", j.CreatedHeight},
		{"updated at height", j.UpdatedHeight},
	})
	t.Render()

	if len(j.History) > 0 {
		fmt.Fprintln(out, "\nTimeline")
		h := newTable(out, "STATUS", "HEIGHT", "TIME", "NOTE")
		for _, e := range j.History {
			h.AppendRow(table.Row{e.Status.ShortName(), e.Height, e.Time.Local().Format(time.DateTime), e.Note})
		}
		h.Render()
	}
	if len(j.Checkpoints) > 0 {
		fmt.Fprintln(out, "\nCheckpoints")
		c := newTable(out, "STEP", "ROOT", "HEIGHT", "PROVIDER")
		for _, cp := range j.Checkpoints {
			c.AppendRow(table.Row{cp.Step, fmt.Sprintf("%x", cp.Root), cp.Height, cp.Provider})
		}
		c.Render()
	}
}
