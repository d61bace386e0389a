package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gpunet/gpunet/stake/client"
	"github.com/gpunet/gpunet/stake/jobspec"
	"github.com/gpunet/gpunet/stake/types"
)

func wantJSON(cmd *cobra.Command) bool {
	o, _ := cmd.Flags().GetString(flagOutput)
	return o == "json"
}

func checkOutputFlag(cmd *cobra.Command) error {
	o, _ := cmd.Flags().GetString(flagOutput)
	if o != "text" && o != "json" {
		return usageError{fmt.Errorf("--output: %q is not a format; use text or json", o)}
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newTable(w io.Writer, header ...any) table.Writer {
	t := table.NewWriter()
	t.SetOutputMirror(w)
	t.SetStyle(table.StyleLight)
	t.AppendHeader(table.Row(header))
	return t
}

// gpu renders ugpu for people: "5 GPU", "2.5 GPU", "0.000001 GPU".
func gpu(v math.Int) string {
	if v.IsNil() {
		return "0 GPU"
	}
	d := math.LegacyNewDecFromInt(v).QuoInt64(1_000_000)
	s := strings.TrimRight(strings.TrimRight(d.String(), "0"), ".")
	return s + " GPU"
}

func ago(t time.Time, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return "due"
	}
	return "in ~" + d.String()
}

var coinPattern = regexp.MustCompile(`^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z][a-zA-Z0-9/]*)?\s*$`)

// parseCoin reads an amount a person typed: 5000000ugpu, 5gpu or 2.5gpu.
// It does not judge the value; types.ValidateAmount does, so the message
// is the chain's.
func parseCoin(field, s string) (sdk.Coin, error) {
	m := coinPattern.FindStringSubmatch(s)
	if m == nil {
		return sdk.Coin{}, fmt.Errorf("%s: %q is not an amount; write e.g. 5000000ugpu or 5gpu (1 GPU = 1000000ugpu)", field, s)
	}
	num, denom := m[1], strings.ToLower(m[2])
	var c sdk.Coin
	switch {
	case denom == "gpu" && !strings.HasPrefix(num, "-"):
		a, err := jobspec.ParseAmount(num + "gpu")
		if err != nil {
			return sdk.Coin{}, fmt.Errorf("%s: %v", field, err)
		}
		c = sdk.Coin{Denom: types.Denom, Amount: a.Int()}
	case denom == "gpu":
		c = sdk.Coin{Denom: types.Denom, Amount: math.NewInt(-1)}
	case strings.Contains(num, "."):
		return sdk.Coin{}, fmt.Errorf("%s: %q: %s amounts are whole numbers; use gpu for fractions, e.g. 2.5gpu", field, s, types.Denom)
	default:
		v, ok := math.NewIntFromString(num)
		if !ok {
			return sdk.Coin{}, fmt.Errorf("%s: %q is not an amount", field, s)
		}
		c = sdk.Coin{Denom: m[2], Amount: v}
	}
	return c, types.ValidateAmount(field, c)
}

// unwrap makes a query's gRPC error read like the chain's message.
func unwrap(err error) error { return client.Unwrap(err) }

func jsonUnmarshal(bz []byte, v any) error { return json.Unmarshal(bz, v) }
