package main

import (
	"fmt"
	"os"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/gpunet/gpunet/scheduler"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/keeper"
	"github.com/gpunet/gpunet/stake/types"
)

type planJSON struct {
	Job        string          `json:"job"`
	Height     int64           `json:"height"`
	Placement  *placementJSON  `json:"placement"`
	Candidates []candidateJSON `json:"candidates"`
}

type placementJSON struct {
	Provider        string `json:"provider"`
	PricePerGPUHour string `json:"price_per_gpu_hour"`
	Total           int64  `json:"total"`
}

type candidateJSON struct {
	Provider        string           `json:"provider"`
	Feasible        bool             `json:"feasible"`
	Reason          string           `json:"reason,omitempty"`
	PricePerGPUHour string           `json:"price_per_gpu_hour"`
	Stake           string           `json:"stake"`
	Scores          map[string]int64 `json:"scores,omitempty"`
	Total           int64            `json:"total"`
}

func jobPlanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show where the scheduler would place a job spec now, and why not elsewhere",
		Long: `plan runs the chain's scheduler on a job spec against the providers
registered now, without submitting anything: the provider it would choose,
and for every provider either the reason it cannot run the job or its
scores (0-1000 points per scorer, weighted into TOTAL). The chain decides
at the block the job lands in, so the answer can change by then.`,
		Example: "  gpunet job plan examples/jobs/trainer-cpu.yaml",
		Args:    exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{fmt.Errorf("read job spec: %w", err)}
			}
			spec, err := jobspec.ParseYAML(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			s, err := connect(cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			blk, err := cmtservice.NewServiceClient(s.Conn()).GetLatestBlock(s.ctx, &cmtservice.GetLatestBlockRequest{})
			if err != nil {
				return unwrap(err)
			}
			height := blk.SdkBlock.Header.Height
			params, err := s.Query.Params(s.ctx, &types.QueryParamsRequest{})
			if err != nil {
				return unwrap(err)
			}
			var providers []scheduler.Provider
			stakes := map[string]math.Int{}
			req := &types.QueryProvidersRequest{}
			for {
				res, err := s.Query.Providers(s.ctx, req)
				if err != nil {
					return unwrap(err)
				}
				for _, p := range res.Providers {
					st, err := s.Query.StakeOf(s.ctx, &types.QueryStakeOfRequest{Address: p.Address})
					if err != nil {
						return unwrap(err)
					}
					bonded := math.ZeroInt()
					for _, b := range st.Stakes {
						if b.Role == types.ROLE_PROVIDER {
							bonded = bonded.Add(b.Amount)
						}
					}
					stakes[p.Address] = bonded
					providers = append(providers, keeper.ToSchedulerProvider(p, bonded, height))
				}
				if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
					break
				}
				req.Pagination = &query.PageRequest{Key: res.Pagination.NextKey}
			}

			job := keeper.SchedulerJob(0, spec, params.Params)
			opts := scheduler.DefaultOptions()
			placed := scheduler.Plan([]scheduler.Job{job}, providers, 1, opts)
			cands := scheduler.Explain(job, providers, opts)
			prices := map[string]math.Int{}
			for _, p := range providers {
				prices[p.Address] = p.PricePerGPUHour
			}

			if wantJSON(cmd) {
				out := planJSON{Job: spec.Name, Height: height, Candidates: make([]candidateJSON, 0, len(cands))}
				if len(placed) == 1 {
					out.Placement = &placementJSON{Provider: placed[0].Provider, PricePerGPUHour: ugpu(placed[0].PricePerGPUHour), Total: placed[0].Total}
				}
				for _, c := range cands {
					cj := candidateJSON{Provider: c.Provider, Feasible: c.Feasible, Reason: string(c.Reason),
						PricePerGPUHour: ugpu(prices[c.Provider]), Stake: ugpu(stakes[c.Provider]), Total: c.Total}
					if c.Feasible {
						cj.Scores = map[string]int64{}
						for _, sc := range c.Scores {
							cj.Scores[sc.Name] = sc.Value
						}
					}
					out.Candidates = append(out.Candidates, cj)
				}
				return printJSON(cmd.OutOrStdout(), out)
			}

			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Job %s needs %d GPU(s), %d CPU(s), %d MiB memory, %d MiB disk, at most %s per GPU-hour, and a provider with %s slashable stake.\n",
				spec.Name, job.GPUs, job.CPUs, job.MemoryMiB, job.DiskMiB, gpu(job.MaxPricePerGPUHour), gpu(job.MinStake))
			switch {
			case len(placed) == 1:
				fmt.Fprintf(w, "At height %d it would place on %s at price %s per GPU-hour.\n", height, placed[0].Provider, gpu(placed[0].PricePerGPUHour))
			case len(providers) == 0:
				fmt.Fprintf(w, "At height %d no provider can run this job now: none is registered.\n", height)
				return nil
			default:
				fmt.Fprintf(w, "At height %d no provider can run this job now.\n", height)
			}
			t := newTable(w, "PROVIDER", "FEASIBLE / REASON", "PRICE", "STAKE", "VERIFIED", "PACKING", "TOTAL")
			for _, c := range cands {
				if !c.Feasible {
					t.AppendRow(table.Row{c.Provider, string(c.Reason), "-", "-", "-", "-", "-"})
					continue
				}
				pts := map[string]int64{}
				for _, sc := range c.Scores {
					pts[sc.Name] = sc.Value
				}
				t.AppendRow(table.Row{c.Provider, "yes", pts[scheduler.ScorePrice], pts[scheduler.ScoreStake],
					pts[scheduler.ScoreVerified], pts[scheduler.ScorePacking], c.Total})
			}
			t.Render()
			fmt.Fprintf(w, "Scores are points out of %d; TOTAL weighs them price ×%d, stake ×%d, verified ×%d, packing ×%d.\n",
				scheduler.MaxPoints, opts.PriceWeight, opts.StakeWeight, opts.VerifiedWeight, opts.PackingWeight)
			return nil
		},
	}
	addChainFlags(cmd, false)
	return cmd
}
