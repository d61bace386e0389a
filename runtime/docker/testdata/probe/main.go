// Command probe is a tiny static test program for the docker driver's
// sandbox tests. Each subcommand tries something and prints one result line;
// it never needs the attempt to succeed.
//
//	probe net ADDR        TCP connect with a 1 s timeout
//	probe writeroot       create a file in /
//	probe fork N          start N sleeping children
//	probe alloc MIB       allocate and touch MIB MiB
//	probe id              print uid and gid
//	probe ls DIR          list DIR
//	probe cat FILE        print FILE
//	probe write FILE TEXT write TEXT to FILE
//	probe env             print the environment
//	probe sleep SECONDS   sleep; exits 0 on SIGTERM with "term"
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Println("usage: probe CMD ARGS")
		os.Exit(2)
	}
	arg := func(i int) string {
		if len(os.Args) <= i {
			return ""
		}
		return os.Args[i]
	}
	switch os.Args[1] {
	case "net":
		c, err := net.DialTimeout("tcp", arg(2), time.Second)
		if err != nil {
			fmt.Println("net FAIL:", err)
			return
		}
		c.Close()
		fmt.Println("net OK")
	case "writeroot":
		report("writeroot", os.WriteFile("/probe-was-here", []byte("x"), 0o644))
	case "write":
		report("write", os.WriteFile(arg(2), []byte(arg(3)), 0o644))
	case "fork":
		fork(atoi(arg(2)))
	case "alloc":
		alloc(atoi(arg(2)))
	case "id":
		fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	case "ls":
		es, err := os.ReadDir(arg(2))
		if err != nil {
			fmt.Println("ls FAIL:", err)
			return
		}
		for _, e := range es {
			fmt.Println(e.Name())
		}
	case "cat":
		b, err := os.ReadFile(arg(2))
		if err != nil {
			fmt.Println("cat FAIL:", err)
			return
		}
		fmt.Printf("%s", b)
	case "env":
		for _, e := range os.Environ() {
			fmt.Println(e)
		}
	case "sleep":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Println("sleeping")
		select {
		case <-ch:
			fmt.Println("term")
		case <-time.After(time.Duration(atoi(arg(2))) * time.Second):
			fmt.Println("slept")
		}
	default:
		fmt.Println("unknown command", os.Args[1])
		os.Exit(2)
	}
}

func report(what string, err error) {
	if err != nil {
		fmt.Println(what, "FAIL:", err)
		return
	}
	fmt.Println(what, "OK")
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Println("bad number", s)
		os.Exit(2)
	}
	return n
}

// fork starts up to n children that sleep 5 s; it stops at the first failure.
func fork(n int) {
	self, _ := os.Executable()
	started := 0
	for i := 0; i < n; i++ {
		_, err := syscall.ForkExec(self, []string{self, "sleep", "5"}, &syscall.ProcAttr{})
		if err != nil {
			fmt.Printf("fork FAIL after %d: %v\n", started, err)
			return
		}
		started++
	}
	fmt.Printf("fork OK %d\n", started)
}

// alloc touches mib MiB in 4 MiB chunks, printing progress.
func alloc(mib int) {
	var keep [][]byte
	for i := 0; i < mib; i += 4 {
		b := make([]byte, 4<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		keep = append(keep, b)
	}
	fmt.Printf("alloc OK %d MiB\n", len(keep)*4)
}
