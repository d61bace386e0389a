package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/testnet"
)

// cli runs the binary's command tree against a test chain.
type cli struct {
	t *testing.T
	n *testnet.Network
}

func (c cli) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	extra := []string{"--home", c.n.Home, "--keyring-backend", "test"}
	if needsNode(args) {
		extra = append(extra, "--grpc-addr", c.n.Node.GRPCAddr)
	}
	// Flags go before a "--", after which everything is an argument.
	end := len(args)
	for i, a := range args {
		if a == "--" {
			end = i
			break
		}
	}
	args = append(append(append([]string{}, args[:end]...), extra...), args[end:]...)
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// needsNode reports whether the command talks to the chain over gRPC.
func needsNode(args []string) bool {
	switch args[0] {
	case "stake", "provider", "job", "status":
		return true
	}
	return false
}

func (c cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("gpunet %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (c cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("gpunet %s --output json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type stakeShow struct {
	Balance   string            `json:"balance"`
	Bonded    map[string]string `json:"bonded"`
	Unbonding []struct {
		ID             uint64 `json:"id"`
		Amount         string `json:"amount"`
		CompletionTime string `json:"completion_time"`
	} `json:"unbonding"`
}

func TestStakeDemoPath(t *testing.T) {
	c := cli{t: t, n: testnet.New(t, testnet.DefaultOptions())}

	out := c.ok("stake", "add", "5000000ugpu", "--role", "provider", "--from", "provider1")
	if !strings.Contains(out, "Bonded now: 5 GPU") {
		t.Errorf("stake add output does not show the bonded total:\n%s", out)
	}
	var s stakeShow
	c.json(&s, "stake", "show", "provider1")
	if s.Bonded["provider"] != "5000000ugpu" || s.Balance != "995000000ugpu" {
		t.Fatalf("after stake add: bonded %v, balance %s; want 5000000ugpu bonded and 995000000ugpu left", s.Bonded, s.Balance)
	}

	out = c.ok("stake", "remove", "2gpu", "--role", "provider", "--from", "provider1")
	if !strings.Contains(out, "Unbonding 2 GPU") || !strings.Contains(out, "completes at") {
		t.Errorf("stake remove output does not show the entry and its completion time:\n%s", out)
	}
	c.json(&s, "stake", "show", "provider1")
	if len(s.Unbonding) != 1 || s.Unbonding[0].Amount != "2000000ugpu" {
		t.Fatalf("after stake remove: unbonding %+v; want one entry of 2000000ugpu", s.Unbonding)
	}
	done, err := time.Parse(time.RFC3339, s.Unbonding[0].CompletionTime)
	if err != nil {
		t.Fatalf("completion time %q: %v", s.Unbonding[0].CompletionTime, err)
	}
	if text := c.ok("stake", "show", "provider1"); !strings.Contains(text, "ENTRY") {
		t.Errorf("stake show (text) does not list the unbonding entry:\n%s", text)
	}

	// Wait past maturity (block time, so allow a few blocks of slack).
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.json(&s, "stake", "show", "provider1")
		if len(s.Unbonding) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry due at %s still unbonding at %s", done, time.Now())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s.Balance != "997000000ugpu" || s.Bonded["provider"] != "3000000ugpu" {
		t.Fatalf("after maturity: balance %s bonded %v; want 997000000ugpu and 3000000ugpu", s.Balance, s.Bonded)
	}
}

func TestJobAndProviderCommands(t *testing.T) {
	c := cli{t: t, n: testnet.New(t, testnet.DefaultOptions())}
	spec := filepath.Join("..", "..", "examples", "jobs", "trainer-cpu.yaml")

	var sub struct {
		JobID  uint64 `json:"job_id"`
		Escrow string `json:"escrow"`
	}
	c.json(&sub, "job", "submit", spec, "--from", "alice")
	if sub.JobID != 1 || sub.Escrow != "10000000ugpu" {
		t.Fatalf("job submit: %+v; want job 1 with 10000000ugpu escrow", sub)
	}
	var jobs []struct {
		ID     uint64 `json:"id"`
		Status string `json:"status"`
	}
	c.json(&jobs, "job", "list", "--client", "alice", "--status", "pending")
	if len(jobs) != 1 || jobs[0].Status != "pending" {
		t.Fatalf("job list: %+v; want alice's one pending job", jobs)
	}
	if _, errOut, code := c.run("job", "cancel", "1", "--from", "bob"); code != 1 || !strings.Contains(errOut, "client:") {
		t.Fatalf("bob cancelling alice's job: exit %d, stderr %q; want exit 1 naming client:", code, errOut)
	}
	if out := c.ok("job", "cancel", "1", "--from", "alice"); !strings.Contains(out, "10 GPU refunded") {
		t.Fatalf("job cancel output: %s", out)
	}
	if out := c.ok("job", "status", "1"); !strings.Contains(out, "cancelled") {
		t.Fatalf("job status after cancel: %s", out)
	}

	reg := []string{"provider", "register", "--peer-id", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
		"--gpu", "NVIDIA H100 80GB HBM3:81559:9.0:8", "--multiaddr", "/ip4/127.0.0.1/tcp/4001", "--price", "2gpu", "--from", "provider1"}
	c.ok(reg...)
	if _, errOut, code := c.run(reg...); code != 1 || !strings.Contains(errOut, "already a provider") {
		t.Fatalf("registering twice: exit %d, stderr %q", code, errOut)
	}
	if out := c.ok("provider", "list"); !strings.Contains(out, "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN") || !strings.Contains(out, "8× NVIDIA H100") {
		t.Fatalf("provider list: %s", out)
	}
	var st map[string]any
	c.json(&st, "status")
	if st["escrow"] != "0ugpu" || st["module_balance"] != "0ugpu" {
		t.Fatalf("status after refund: %v", st)
	}
}

// TestBadInput checks that each mistake exits 1 (refused) or 2 (misused),
// with a message naming the field.
func TestBadInput(t *testing.T) {
	c := cli{t: t, n: testnet.New(t, testnet.DefaultOptions())}
	c.ok("stake", "add", "5gpu", "--role", "provider", "--from", "provider1")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"zero amount", []string{"stake", "add", "0ugpu", "--role", "provider", "--from", "provider1"}, 1, "amount: must be positive"},
		{"wrong denom", []string{"stake", "add", "5atom", "--role", "provider", "--from", "provider1"}, 1, `amount: wrong denom "atom"`},
		{"missing denom", []string{"stake", "add", "5", "--role", "provider", "--from", "provider1"}, 1, "amount: missing denom"},
		{"negative amount", []string{"stake", "add", "--role", "provider", "--from", "provider1", "--", "-5gpu"}, 1, "amount: must be positive"},
		{"unknown role", []string{"stake", "add", "5gpu", "--role", "miner", "--from", "provider1"}, 1, "role: unknown role"},
		{"unstake more than bonded", []string{"stake", "remove", "50gpu", "--role", "provider", "--from", "provider1"}, 1, "amount: 50000000ugpu is more than the 5000000ugpu bonded"},
		{"below minimum left", []string{"stake", "remove", "4.5gpu", "--role", "provider", "--from", "provider1"}, 1, "below the provider minimum"},
		{"no signer", []string{"stake", "add", "5gpu", "--role", "provider"}, 2, "--from: missing"},
		{"unknown key", []string{"stake", "add", "5gpu", "--role", "provider", "--from", "mallory"}, 1, "--from mallory: no such key"},
		{"missing amount", []string{"stake", "add", "--role", "provider", "--from", "provider1"}, 2, "expected AMOUNT"},
		{"unknown flag", []string{"stake", "add", "5gpu", "--rol", "provider"}, 2, "unknown flag"},
		{"bad job id", []string{"job", "status", "x1"}, 2, "job_id:"},
		{"missing job", []string{"job", "status", "99"}, 1, "job_id: no job 99"},
		{"unpinned image", []string{"job", "submit", filepath.Join("testdata", "unpinned.yaml"), "--from", "alice"}, 1, "image:"},
		{"privileged job", []string{"job", "submit", filepath.Join("testdata", "privileged.yaml"), "--from", "alice"}, 1, "privileged"},
		{"bad gpu flag", []string{"provider", "register", "--peer-id", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", "--gpu", "H100", "--price", "1gpu", "--from", "provider1"}, 1, "--gpu:"},
		{"bad peer id", []string{"provider", "register", "--peer-id", "not a peer", "--price", "1gpu", "--from", "provider1"}, 1, "peer_id:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := c.ok("stake", "show", "provider1", "--output", "json")
			out, errOut, code := c.run(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q (stdout %q); want exit %d and %q", code, errOut, out, tc.code, tc.want)
			}
			if after := c.ok("stake", "show", "provider1", "--output", "json"); after != before {
				t.Fatalf("state changed by a refused command:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}
