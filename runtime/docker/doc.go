// Package docker is the default gpunet runtime driver: it runs each task in a
// Docker container under a hardened sandbox (SPEC section 7).
//
// Every container gets, by default and without a way to opt out: no
// privileges, all capabilities dropped, no-new-privileges, a read-only root
// filesystem with a size-limited noexec tmpfs at /tmp, pids, memory (no swap)
// and CPU limits, network "none", a non-root user, exactly two mounts (the
// checkpoint dir read-write and the input dir read-only at the contract
// paths) and the labels gpunet.job, gpunet.segment and gpunet.managed=true by
// which a restarted daemon finds it again. GPUs are passed by UUID through an
// nvidia device request. An OCI runtime such as runsc is used where
// configured.
//
// The final HostConfig is checked by ValidateSandbox before anything is
// created, so a request for privileges, host namespaces, capabilities,
// devices or host mounts fails with ErrSandbox and nothing starts.
package docker
