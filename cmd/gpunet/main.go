// Command gpunet is the one binary of the gpunet network: the devnet, the
// chain, and the commands people use to stake, register providers and
// submit jobs. It holds flags, config loading and output only; the work is
// done by the packages it calls.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// Exit codes: 1 for an error the command met, 2 for a command used wrongly.
const (
	exitError = 1
	exitUsage = 2
)

// usageError is a mistake in how a command was called (flags, arguments).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// runContext runs the command tree; cancelling ctx stops long-running
// commands (devnet, chain start) as Ctrl-C does.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "Error:", err.Error())
	var ue usageError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		fmt.Fprintln(stderr, "Run 'gpunet --help' or the command with --help for usage.")
		return exitUsage
	}
	return exitError
}
