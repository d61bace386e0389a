// Package watch is the provider's checkpoint watcher: it picks up each
// step-<8 digits>.safetensors a job renames into its checkpoint directory
// (SPEC section 4), validates it as safetensors and computes its commitment
// (SPEC section 5: the Merkle root over 1 MiB chunks, runtime/commit).
//
// It owns discovery, validation and commitment of checkpoint files, nothing
// else: it must not touch the chain, the runtime drivers, or delete, move or
// write files. Callers turn its Results into (step, root) reports.
//
// # Discovery
//
// Run lists the directory once (reporting what is there in step order), then
// rescans it whenever fsnotify reports a file created there (a rename into
// the directory is a create) and every PollInterval regardless, since events
// can be lost (a full inotify queue) or never sent (some overlay and bind
// mounts). Scan does one such rescan on demand, for the moment a task has
// exited. Names other than step-<8 digits>.safetensors (the writer's hidden
// temp files, anything else) are ignored without a word.
//
// # Trust
//
// The directory is writable by the job, which is not trusted. Every candidate
// is treated as hostile until checked:
//
//   - lstat first, and only a regular file goes further; it is then opened
//     with O_NOFOLLOW|O_NONBLOCK (a symlink swapped in after the lstat fails
//     to open, a FIFO cannot block the open), and the open descriptor is
//     fstat'ed and must again be a regular file; everything after that reads
//     through that descriptor only;
//   - the size is checked against MaxBytes before anything is read;
//   - runtime/safetensors.ReadHeader validates the header and that every
//     tensor's offsets lie inside the file and tile its data buffer;
//   - runtime/commit.Reader hashes the same descriptor, and a second fstat
//     must show the size and modification time it had before.
//
// A file that fails any step is reported once as a Result whose Err wraps
// ErrRejected and the cause. It is looked at again only when its (size,
// mtime, inode) changes, e.g. when the job renames a new file over it. An
// accepted file is never looked at again, whatever happens to its name.
//
// # Vocabulary
//
//   - Checkpoint: an accepted file, its step and its commitment.
//   - Result: one verdict on one file, a Checkpoint or a rejection.
//   - reported: a file with a verdict; each Watcher gives each file version
//     at most one verdict, whether through Run or Scan.
package watch
