// Package exec is an opt-in gpunet runtime driver that runs each task as a
// plain local process, for hosts without Docker (SPEC section 7).
//
// IT IS NOT A SANDBOX. There is no isolation of the filesystem, the network
// or users: a task runs as the daemon's user, sees the host's files and
// network, and can do anything that user can. Use it only for job authors
// testing their own code, or on hosts where every job is trusted.
//
// The job contract (SPEC section 4) is kept, with these departures:
//
//   - TaskConfig.Image is the absolute path of a host executable; a docker
//     image reference is refused (use the docker driver). Command are its args.
//   - The environment is exactly TaskConfig.TaskEnv() plus PATH from the
//     daemon; nothing else of the daemon's environment is inherited.
//   - There are no mounts, so GPUNET_CHECKPOINT_DIR and GPUNET_INPUT_DIR are
//     the host paths (TaskConfig.CheckpointDir, InputDir), not the container
//     paths, and a GPUNET_RESUME_FROM under the container checkpoint path is
//     rewritten to the host path. The process starts in the checkpoint dir.
//   - CUDA_VISIBLE_DEVICES is the allocated GPU UUIDs, comma-separated, or
//     empty for a CPU job.
//   - Resource limits (memory, pids, CPUs) are NOT enforced; only the thread
//     count variables are set. User is ignored. Sandbox escapes in
//     TaskConfig.Requests are refused with ErrSandbox, as the docker driver
//     does, since this driver cannot honour them either.
//
// Each task runs in its own process group, so Stop and Destroy signal the
// whole tree. stdout and stderr are appended to <StateDir>/<task id>.log.
// The handle's driver state records the PID and its start time (from
// /proc/<pid>/stat) so a restarted daemon can re-attach without being fooled
// by PID reuse. The exit status of a recovered process is not observable:
// Wait returns once it is gone, with ExitCode -1 and Err saying so.
package exec
