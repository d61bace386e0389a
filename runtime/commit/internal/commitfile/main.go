// Command commitfile prints a file's Merkle commitment and how long it took.
// bench/commit.sh uses it to time the commitment beside sha256sum and b3sum.
//
//	go run ./runtime/commit/internal/commitfile [-workers N] FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/gpunet/gpunet/runtime/commit"
)

func main() {
	workers := flag.Int("workers", 0, "hashing goroutines (0: GOMAXPROCS)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: commitfile [-workers N] FILE")
		os.Exit(2)
	}
	w := *workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	c, _, err := commit.File(context.Background(), flag.Arg(0), w)
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "commitfile:", err)
		os.Exit(1)
	}
	gb := float64(c.Size) / 1e9
	fmt.Printf("%s  %s  size=%d chunks=%d workers=%d elapsed=%.3fs %.2f GB/s",
		c.Hex(), flag.Arg(0), c.Size, c.Chunks, w, elapsed.Seconds(), gb/elapsed.Seconds())
	// CPU time is what another process's load cannot hide: GB per CPU-second
	// times idle cores bounds what the commitment reaches on an idle machine.
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf(" cpu=%.3fs %.2f GB/cpu-s", cpu.Seconds(), gb/cpu.Seconds())
	}
	fmt.Println()
}
