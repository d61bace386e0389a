// Package runner runs one job on this machine from start to end, and picks it
// up again after the process that ran it died. It joins the runtime's parts:
// GPU allocation (runtime/alloc), input fetching (runtime/inputs), a driver
// (runtime/docker or runtime/exec), the checkpoint watcher with its
// commitments (runtime/watch), and the job's progress lines.
//
// A Run moves through these states, each persisted in a Store before the
// runner acts on it, so a restarted daemon knows what it was doing:
//
//	starting ──▶ running ──▶ succeeded
//	                │  ▲        failed
//	                ▼  │        stopped (the caller stopped it; Resume goes on)
//	            restarting (the task was killed from outside: a new task
//	                        resumes from the last committed checkpoint)
//
// Vocabulary:
//   - Job: the spec's work between two steps, as this machine runs it.
//   - Attempt: one task (container or process) of a run. A task killed from
//     outside (docker stop, the OOM killer is not one) is replaced by a new
//     attempt that resumes from the last committed checkpoint, up to
//     MaxRestarts times.
//   - Checkpoint: a step-*.safetensors file the watcher validated, with its
//     Merkle root. Hooks receive each one once, in the order found.
//
// It owns the per-job work directory (checkpoints/, inputs/, logs/) and the
// run records. It must not talk to the chain or the network: the node does
// that through the hooks.
package runner
