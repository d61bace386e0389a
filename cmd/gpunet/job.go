package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

func jobCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "job", Short: "Submit training jobs and follow them"}
	cmd.AddCommand(jobSubmitCmd(), jobListCmd(), jobStatusCmd(), jobCancelCmd())
	return cmd
}

type jobJSON struct {
	ID            uint64          `json:"id"`
	Client        string          `json:"client"`
	Status        string          `json:"status"`
	Escrow        string          `json:"escrow"`
	CreatedHeight int64           `json:"created_height"`
	UpdatedHeight int64           `json:"updated_height"`
	Spec          json.RawMessage `json:"spec"`
}

func jobView(j types.Job) jobJSON {
	return jobJSON{ID: j.Id, Client: j.Client, Status: j.Status.ShortName(), Escrow: j.Escrow.String() + types.Denom,
		CreatedHeight: j.CreatedHeight, UpdatedHeight: j.UpdatedHeight, Spec: json.RawMessage(j.Spec)}
}

func jobSubmitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "submit FILE --from KEY",
		Short:   "Submit a job spec (YAML or JSON) and lock its deposit in escrow",
		Example: "  gpunet job submit examples/jobs/trainer-cpu.yaml --from alice",
		Args:    exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read job spec: %w", err)
			}
			spec, err := jobspec.ParseYAML(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			canonical, err := spec.Canonical()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			tx, err := sendTx(cmd, func(signer string) sdk.Msg {
				return &types.MsgCreateJob{Client: signer, Spec: string(canonical)}
			})
			if err != nil {
				return err
			}
			id := tx.Responses[0].(*types.MsgCreateJobResponse).JobId
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"tx": tx.Hash, "height": tx.Height, "job_id": id, "escrow": spec.Deposit.String()})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Job %d (%s) submitted by %s at height %d; %s locked in escrow.\nFollow it with: gpunet job status %d\n",
				id, spec.Name, tx.Key, tx.Height, gpu(spec.Deposit.Int()), id)
			return nil
		},
	}
	addChainFlags(cmd, true)
	return cmd
}

func parseJobID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, usageError{fmt.Errorf("job_id: %q is not a job ID; job IDs are whole numbers from 1 (see `gpunet job list`)", s)}
	}
	return id, nil
}

func jobStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status ID",
		Short: "Show a job's state, escrow and spec",
		Args:  exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
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
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), jobView(j))
			}
			spec, err := jobspec.ParseCanonical([]byte(j.Spec))
			if err != nil {
				return fmt.Errorf("job %d: stored spec: %w", id, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Job %d: %s\n", j.Id, spec.Name)
			t := newTable(out, "FIELD", "VALUE")
			t.AppendRows([]table.Row{
				{"status", j.Status.ShortName()},
				{"client", j.Client},
				{"escrow", gpu(j.Escrow)},
				{"image", spec.Image},
				{"steps", fmt.Sprintf("%d (checkpoint every %d)", spec.Steps, spec.CheckpointEvery)},
				{"gpus", spec.Resources.GPUs},
				{"max price", gpu(spec.MaxPricePerGPUHour.Int()) + " per GPU-hour"},
				{"created at height", j.CreatedHeight},
				{"updated at height", j.UpdatedHeight},
			})
			t.Render()
			return nil
		},
	}
	addChainFlags(cmd, false)
	return cmd
}

func jobListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--client KEY|ADDRESS] [--status STATUS]",
		Short: "List jobs, optionally one client's or in one status",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &types.QueryJobsRequest{}
			if st, _ := cmd.Flags().GetString("status"); st != "" {
				v, err := types.ParseJobStatus(st)
				if err != nil {
					return usageError{err}
				}
				req.Status = v
			}
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			if c, _ := cmd.Flags().GetString("client"); c != "" {
				req.Client = c
				if a, err := s.Address(c); err == nil {
					req.Client = a.String()
				}
			}
			var jobs []types.Job
			for {
				res, err := s.Query.Jobs(s.ctx, req)
				if err != nil {
					return unwrap(err)
				}
				jobs = append(jobs, res.Jobs...)
				if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
					break
				}
				req.Pagination = &query.PageRequest{Key: res.Pagination.NextKey}
			}
			if wantJSON(cmd) {
				out := make([]jobJSON, 0, len(jobs))
				for _, j := range jobs {
					out = append(out, jobView(j))
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			if len(jobs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No jobs. Submit one with `gpunet job submit FILE --from KEY`.")
				return nil
			}
			t := newTable(cmd.OutOrStdout(), "ID", "NAME", "STATUS", "CLIENT", "ESCROW", "CREATED")
			for _, j := range jobs {
				name := "?"
				if spec, err := jobspec.ParseCanonical([]byte(j.Spec)); err == nil {
					name = spec.Name
				}
				t.AppendRow([]any{j.Id, name, j.Status.ShortName(), j.Client, gpu(j.Escrow), j.CreatedHeight})
			}
			t.Render()
			return nil
		},
	}
	cmd.Flags().String("client", "", "only this client's jobs (key name or address)")
	cmd.Flags().String("status", "", "only jobs in this status (pending, running, succeeded, ...)")
	addChainFlags(cmd, false)
	return cmd
}

func jobCancelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cancel ID --from KEY",
		Short: "Cancel a pending job and refund its escrow",
		Args:  exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseJobID(args[0])
			if err != nil {
				return err
			}
			tx, err := sendTx(cmd, func(signer string) sdk.Msg {
				return &types.MsgCancelJob{Client: signer, JobId: id}
			})
			if err != nil {
				return err
			}
			refunded := tx.Responses[0].(*types.MsgCancelJobResponse).Refunded
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), map[string]any{"tx": tx.Hash, "height": tx.Height, "job_id": id, "refunded": refunded.String() + types.Denom})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Job %d cancelled at height %d; %s refunded to %s.\n", id, tx.Height, gpu(refunded), tx.Key)
			return nil
		},
	}
	addChainFlags(cmd, true)
	return cmd
}
