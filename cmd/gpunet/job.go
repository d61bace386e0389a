package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

func jobCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "job", Short: "Submit training jobs and follow them"}
	cmd.AddCommand(jobSubmitCmd(), jobPlanCmd(), jobListCmd(), jobStatusCmd(), jobLogsCmd(), jobFetchCmd(), jobCancelCmd())
	return cmd
}

type jobJSON struct {
	ID            uint64           `json:"id"`
	Client        string           `json:"client"`
	Status        string           `json:"status"`
	Escrow        string           `json:"escrow"`
	Paid          string           `json:"paid"`
	Owed          string           `json:"owed"`
	RunSeconds    int64            `json:"run_seconds"`
	Reason        string           `json:"reason"`
	Seed          uint64           `json:"seed"`
	Placements    uint32           `json:"placements"`
	SettleTime    string           `json:"settle_time"` // RFC 3339; "" until VERIFYING
	CreatedHeight int64            `json:"created_height"`
	UpdatedHeight int64            `json:"updated_height"`
	Lease         *leaseJSON       `json:"lease"`
	Checkpoints   []checkpointJSON `json:"checkpoints"`
	History       []transitionJSON `json:"history"`
	Spec          json.RawMessage  `json:"spec"`
}

type leaseJSON struct {
	Provider         string `json:"provider"`
	PricePerGPUHour  string `json:"price_per_gpu_hour"`
	GPUs             uint32 `json:"gpus"`
	CPUs             uint64 `json:"cpus"`
	MemoryMiB        uint64 `json:"memory_mib"`
	DiskMiB          uint64 `json:"disk_mib"`
	LeasedHeight     int64  `json:"leased_height"`
	AcceptDeadline   int64  `json:"accept_deadline"`
	AcceptedHeight   int64  `json:"accepted_height"`
	AcceptedTime     string `json:"accepted_time,omitempty"`
	ProgressDeadline int64  `json:"progress_deadline"`
	StartStep        int64  `json:"start_step"`
	MaxEndTime       string `json:"max_end_time,omitempty"`
}

type checkpointJSON struct {
	Step     int64  `json:"step"`
	Root     string `json:"root"` // hex
	Height   int64  `json:"height"`
	Provider string `json:"provider"`
}

type transitionJSON struct {
	Status string `json:"status"`
	Height int64  `json:"height"`
	Time   string `json:"time"`
	Note   string `json:"note,omitempty"`
}

// ugpu renders an amount for JSON: "5000000ugpu".
func ugpu(v math.Int) string {
	if v.IsNil() {
		return "0" + types.Denom
	}
	return v.String() + types.Denom
}

// rfc3339 renders a chain time for JSON; the zero time is "".
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func jobView(j types.Job) jobJSON {
	v := jobJSON{ID: j.Id, Client: j.Client, Status: j.Status.ShortName(), Escrow: ugpu(j.Escrow),
		Paid: ugpu(j.Paid), Owed: ugpu(j.Owed), RunSeconds: j.RunSeconds, Reason: j.Reason, Seed: j.Seed,
		Placements: j.Placements, SettleTime: rfc3339(j.SettleTime),
		CreatedHeight: j.CreatedHeight, UpdatedHeight: j.UpdatedHeight, Spec: json.RawMessage(j.Spec),
		Checkpoints: make([]checkpointJSON, 0, len(j.Checkpoints)), History: make([]transitionJSON, 0, len(j.History))}
	if l := j.Lease; l != nil {
		v.Lease = &leaseJSON{Provider: l.Provider, PricePerGPUHour: ugpu(l.PricePerGpuHour), GPUs: l.Gpus, CPUs: l.Cpus,
			MemoryMiB: l.MemoryMib, DiskMiB: l.DiskMib, LeasedHeight: l.LeasedHeight, AcceptDeadline: l.AcceptDeadline,
			AcceptedHeight: l.AcceptedHeight, AcceptedTime: rfc3339(l.AcceptedTime), ProgressDeadline: l.ProgressDeadline,
			StartStep: l.StartStep, MaxEndTime: rfc3339(l.MaxEndTime)}
	}
	for _, c := range j.Checkpoints {
		v.Checkpoints = append(v.Checkpoints, checkpointJSON{Step: c.Step, Root: fmt.Sprintf("%x", c.Root), Height: c.Height, Provider: c.Provider})
	}
	for _, h := range j.History {
		v.History = append(v.History, transitionJSON{Status: h.Status.ShortName(), Height: h.Height, Time: rfc3339(h.Time), Note: h.Note})
	}
	return v
}

func jobSubmitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "submit FILE --from KEY [--image REF] [--watch]",
		Short: "Submit a job spec (YAML or JSON) and lock its deposit in escrow",
		Long: `submit validates a job spec, sends it to the chain and locks its deposit in escrow.

--image replaces the spec's image. An image ID (sha256:...) or a digest
(repo@sha256:...) is used as it is; a tag (gpunet/trainer:dev) is resolved
to the image ID of the image on this machine through the Docker engine.

--watch then follows the job as ` + "`gpunet job status --watch`" + ` does, and exits 0
when it succeeds, 1 when it fails, is cancelled or slashed.`,
		Example: "  gpunet job submit examples/jobs/trainer-cpu.yaml --from alice\n" +
			"  gpunet job submit examples/jobs/trainer-cpu.yaml --image gpunet/trainer:dev --watch --from alice",
		Args: exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := from(cmd); err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{fmt.Errorf("read job spec: %w", err)}
			}
			if ref, _ := cmd.Flags().GetString("image"); ref != "" {
				id, err := resolveImage(cmd.Context(), ref)
				if err != nil {
					return err
				}
				if data, err = specWithImage(data, id); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
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
			res := map[string]any{"tx": tx.Hash, "height": tx.Height, "job_id": id, "escrow": spec.Deposit.String(), "image": spec.Image}
			if watch, _ := cmd.Flags().GetBool("watch"); watch {
				if !wantJSON(cmd) {
					fmt.Fprintf(cmd.OutOrStdout(), "Job %d (%s) submitted by %s at height %d; %s locked in escrow.\n",
						id, spec.Name, tx.Key, tx.Height, gpu(spec.Deposit.Int()))
				}
				return watchAndReport(cmd, id, func(j types.Job) error {
					res["job"] = jobView(j)
					return printJSON(cmd.OutOrStdout(), res)
				})
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Job %d (%s) submitted by %s at height %d; %s locked in escrow.\nFollow it with: gpunet job status %d --watch\n",
				id, spec.Name, tx.Key, tx.Height, gpu(spec.Deposit.Int()), id)
			return nil
		},
	}
	cmd.Flags().String("image", "", "image to run instead of the spec's: an image ID, repo@sha256:digest, or a local tag (resolved to its image ID)")
	cmd.Flags().Bool("watch", false, "follow the job until it ends; exit 0 if it succeeds, 1 otherwise")
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
