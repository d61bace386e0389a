package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	nodegpu "github.com/gpunet/gpunet/node/gpu"
)

func gpusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "gpus",
		Short: "List this machine's NVIDIA GPUs, their health, and what a provider here would offer",
		Long: `gpus asks the NVIDIA driver (NVML) about this machine's GPUs. It needs no
chain. Unhealthy GPUs are listed with their problems and are not offered;
without an NVIDIA driver it says so and offers 0 GPUs (CPU jobs only).`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Everything Detect would log is printed below, so it logs
			// nowhere rather than twice.
			src := nodegpu.Detect(slog.New(slog.DiscardHandler))
			if c, ok := src.(io.Closer); ok {
				defer c.Close()
			}
			inv, err := src.Inventory(cmd.Context())
			if err != nil {
				return err
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), inv)
			}
			return printInventory(cmd.OutOrStdout(), inv)
		},
	}
}

func printInventory(w io.Writer, inv nodegpu.Inventory) error {
	if len(inv.GPUs) == 0 {
		_, err := fmt.Fprintf(w, "%s\n0 GPUs offered (CPU jobs only)\n", inv.Reason)
		return err
	}
	if _, err := fmt.Fprintf(w, "NVIDIA driver %s, CUDA %s\n", orUnknown(inv.DriverVersion), orUnknown(inv.CUDAVersion)); err != nil {
		return err
	}
	t := newTable(w, "INDEX", "UUID", "MODEL", "MEMORY", "CC", "UTIL", "TEMP", "HEALTH")
	offered := 0
	for _, g := range inv.GPUs {
		health := "ok"
		if !g.Health.OK {
			health = "UNHEALTHY: " + strings.Join(g.Health.Problems, "; ")
		}
		if nodegpu.Offerable(g) {
			offered++
		}
		t.AppendRow(table.Row{g.Index, g.UUID, g.Name, fmt.Sprintf("%d MiB", g.MemoryMiB), g.ComputeCapability,
			fmt.Sprintf("%d%%", g.UtilizationPercent), temperature(g.TemperatureC), health})
	}
	t.Render()
	_, err := fmt.Fprintf(w, "%d of %d GPUs offered\n", offered, len(inv.GPUs))
	return err
}

// temperature shows 0, which no running GPU reads, as not reported.
func temperature(c uint32) string {
	if c == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d°C", c)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
