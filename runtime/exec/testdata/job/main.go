// Command job is a test helper that honours the gpunet job contract. Its
// args are steps run in order:
//
//	env          print the environment, one KEY=VALUE a line, sorted
//	ckpt         write step-<END_STEP>.safetensors into GPUNET_CHECKPOINT_DIR
//	child        start a copy of itself running "sleep 60" and print child=<pid>
//	print S      print S
//	sleep D      sleep for duration D
//	exit N       exit with code N
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

func main() {
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "env":
			env := os.Environ()
			slices.Sort(env)
			for _, kv := range env {
				fmt.Println(kv)
			}
		case "ckpt":
			end, _ := strconv.Atoi(os.Getenv("GPUNET_END_STEP"))
			dir := os.Getenv("GPUNET_CHECKPOINT_DIR")
			name := filepath.Join(dir, fmt.Sprintf("step-%08d.safetensors", end))
			if err := os.WriteFile(name+".tmp", []byte("ckpt"), 0o644); err != nil {
				fail(err)
			}
			if err := os.Rename(name+".tmp", name); err != nil {
				fail(err)
			}
		case "child":
			c := exec.Command(os.Args[0], "sleep", "60s")
			if err := c.Start(); err != nil {
				fail(err)
			}
			fmt.Printf("child=%d\n", c.Process.Pid)
		case "print":
			i++
			fmt.Println(args[i])
		case "sleep":
			i++
			d, err := time.ParseDuration(args[i])
			if err != nil {
				fail(err)
			}
			time.Sleep(d)
		case "exit":
			i++
			n, _ := strconv.Atoi(args[i])
			os.Exit(n)
		default:
			fail(fmt.Errorf("unknown step %q", args[i]))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "job:", err)
	os.Exit(99)
}
