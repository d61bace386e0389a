// Package runtime runs gpunet jobs: the Driver interface every runtime
// implements (docker by default, see runtime/docker), the task
// configuration, and the job-contract environment (SPEC section 4) that
// every driver hands to the job in the same way.
//
// Vocabulary:
//   - TaskConfig: what to run for one segment of one job, already validated
//     against the job spec by the caller.
//   - TaskHandle: the versioned, opaque state a driver returns from Start and
//     accepts in Recover, persisted by the node so that a restarted daemon can
//     re-attach to tasks that still run.
//   - ExitResult: how a task ended (exit code, signal, OOM kill).
package runtime
