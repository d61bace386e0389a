package jobspec

// refusedKeys are the container options people reach for to widen the
// sandbox. None is a Spec field, so strict decoding would reject them anyway;
// naming them explains why, instead of suggesting a spelling mistake.
var refusedKeys = map[string]string{
	"privileged":   "gpunet never runs privileged containers (SPEC section 7)",
	"host_network": "jobs run with networking disabled (SPEC section 7); the daemon fetches inputs for you",
	"network":      "jobs run with networking disabled (SPEC section 7); the daemon fetches inputs for you",
	"network_mode": "jobs run with networking disabled (SPEC section 7); the daemon fetches inputs for you",
	"volumes":      "jobs cannot mount host paths (SPEC section 7); list data under inputs, which are checked by SHA-256 and mounted read-only",
	"mounts":       "jobs cannot mount host paths (SPEC section 7); list data under inputs, which are checked by SHA-256 and mounted read-only",
	"binds":        "jobs cannot mount host paths (SPEC section 7); list data under inputs, which are checked by SHA-256 and mounted read-only",
	"cap_add":      "jobs run with all capabilities dropped (SPEC section 7)",
	"capabilities": "jobs run with all capabilities dropped (SPEC section 7)",
	"devices":      "no host devices are passed through (SPEC section 7); ask for GPUs with resources.gpus",
	"user":         "jobs run as a non-root user the provider chooses (SPEC section 7)",
	"security_opt": "the provider sets the sandbox profile: no-new-privileges, seccomp and the OCI runtime (SPEC section 7)",
	"pid":          "jobs get their own PID namespace (SPEC section 7)",
	"ipc":          "jobs get their own IPC namespace (SPEC section 7)",
}

const refusedFix = "remove the field"
