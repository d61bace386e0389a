package jobspec

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// report collects every broken rule so a user fixes them in one pass.
type report struct{ errs []error }

func (r *report) add(field, problem, fix string) {
	r.errs = append(r.errs, &FieldError{Field: field, Problem: problem, Fix: fix})
}

// checks run in field order; the order of their errors is the order a user
// reads the spec in.
var checks = []func(*Spec, *report){
	checkName,
	checkImage,
	checkCommand,
	checkEnv,
	checkResources,
	checkSteps,
	checkInputs,
	checkVerification,
	checkPayment,
}

// Validate checks every rule of the job contract and returns all violations
// as *FieldError values joined with errors.Join, or nil. It reads only the
// spec: the same spec gets the same answer on every node.
func (s *Spec) Validate() error {
	if s == nil {
		return fmt.Errorf("%w: no spec", ErrInvalid)
	}
	var r report
	for _, check := range checks {
		check(s, &r)
	}
	return errors.Join(r.errs...)
}

const (
	fixName    = "set name to a short label such as resnet50-cifar10: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
	fixImage   = "pin the image by digest: repo@sha256:<64 hex> from `docker inspect --format '{{index .RepoDigests 0}}' IMAGE`, or for an image built locally its ID sha256:<64 hex> from `docker inspect --format '{{.Id}}' IMAGE`"
	fixCommand = "set command to the program and its arguments as a list, e.g. [python, train.py]"
	fixEnvKey  = "use a shell identifier: letters, digits and '_', not starting with a digit, e.g. LEARNING_RATE"
	fixText    = "remove control characters and invalid UTF-8"
)

func checkName(s *Spec, r *report) {
	switch {
	case s.Name == "":
		r.add("name", "is required", fixName)
	case len(s.Name) > MaxNameLen:
		r.add("name", fmt.Sprintf("is %d characters; the limit is %d", len(s.Name), MaxNameLen), fixName)
	case !isDNSLabel(s.Name):
		r.add("name", fmt.Sprintf("is not a DNS label (got %q)", s.Name), fixName)
	}
}

func checkImage(s *Spec, r *report) {
	img := s.Image
	switch {
	case img == "":
		r.add("image", "is required", fixImage)
	case len(img) > MaxImageLen:
		r.add("image", fmt.Sprintf("is %d bytes; the limit is %d", len(img), MaxImageLen), fixImage)
	case strings.HasPrefix(img, "sha256:"):
		if !isSHA256Hex(strings.TrimPrefix(img, "sha256:")) {
			r.add("image", fmt.Sprintf("is not a full image ID: sha256: must be followed by 64 lowercase hex digits (got %q)", img), fixImage)
		}
	case !strings.Contains(img, "@"):
		r.add("image", fmt.Sprintf("is not pinned by digest (got %q); a tag can point to different bytes tomorrow, and verifiers must run the same image", img), fixImage)
	default:
		repo, digest, _ := strings.Cut(img, "@")
		if !repoRef.MatchString(repo) {
			r.add("image", fmt.Sprintf("has an invalid repository name %q", repo), "write it like registry.example.com/team/trainer (lowercase path), then @sha256:<digest>")
		}
		if hexPart, ok := strings.CutPrefix(digest, "sha256:"); !ok || !isSHA256Hex(hexPart) {
			r.add("image", fmt.Sprintf("has digest %q; it must be sha256: followed by 64 lowercase hex digits", digest), fixImage)
		}
	}
}

func checkCommand(s *Spec, r *report) {
	switch {
	case len(s.Command) == 0:
		r.add("command", "is required", fixCommand)
		return
	case len(s.Command) > MaxCommandArgs:
		r.add("command", fmt.Sprintf("has %d elements; the limit is %d", len(s.Command), MaxCommandArgs), "move arguments into a script in the image or a config file in inputs")
		return
	case s.Command[0] == "":
		r.add("command[0]", "the program is empty", fixCommand)
	}
	for i, arg := range s.Command {
		field := fmt.Sprintf("command[%d]", i)
		if len(arg) > MaxArgBytes {
			r.add(field, fmt.Sprintf("is %d bytes; the limit is %d", len(arg), MaxArgBytes), "move long scripts into the image or into inputs")
			continue
		}
		checkText(r, field, arg, true)
	}
}

// reservedEnv are variables the runtime sets (SPEC section 4) or that the
// NVIDIA container toolkit reads to pick devices; letting a job set them
// would break replay or reach GPUs it was not given.
var reservedEnv = []string{
	"OMP_NUM_THREADS", "MKL_NUM_THREADS", "GOMAXPROCS",
	"CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
	"NVIDIA_DISABLE_REQUIRE", "NVIDIA_IMEX_CHANNELS", "NVIDIA_GDRCOPY", "NVIDIA_GDS",
	"NVIDIA_MOFED", "NVIDIA_NVSWITCH",
}

var reservedEnvPrefixes = []string{"GPUNET_", "NVIDIA_REQUIRE_", "NVIDIA_MIG_"}

func checkEnv(s *Spec, r *report) {
	if len(s.Env) > MaxEnvVars {
		r.add("env", fmt.Sprintf("has %d variables; the limit is %d", len(s.Env), MaxEnvVars), "move configuration into a file in inputs")
		return
	}
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field := mapKeyField("env", k)
		switch {
		case len(k) > MaxEnvKeyLen:
			r.add(field, fmt.Sprintf("the name is %d bytes; the limit is %d", len(k), MaxEnvKeyLen), fixEnvKey)
			continue
		case !isIdentifier(k):
			r.add(field, fmt.Sprintf("%q is not a valid variable name", k), fixEnvKey)
			continue
		case isReservedEnv(k):
			r.add(field, "is reserved: the runtime sets it", "remove it; the container gets GPUNET_* from the job, thread counts from resources.cpus and GPUs from resources.gpus")
			continue
		}
		v := s.Env[k]
		if len(v) > MaxEnvValueLen {
			r.add(field, fmt.Sprintf("the value is %d bytes; the limit is %d", len(v), MaxEnvValueLen), "move long values into a file in inputs")
			continue
		}
		checkText(r, field, v, true)
	}
}

func isReservedEnv(k string) bool {
	u := strings.ToUpper(k)
	if slices.Contains(reservedEnv, u) {
		return true
	}
	for _, p := range reservedEnvPrefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

func checkResources(s *Spec, r *report) {
	res := s.Resources
	switch {
	case res.GPUs < 0:
		r.add("resources.gpus", fmt.Sprintf("must not be negative (got %d)", res.GPUs), "set it to 0 for a CPU job or to the number of whole GPUs")
	case res.GPUs > MaxGPUs:
		r.add("resources.gpus", fmt.Sprintf("is %d; a job can use at most %d GPUs", res.GPUs, MaxGPUs), fmt.Sprintf("ask for at most %d GPUs, or split the job", MaxGPUs))
	}
	switch {
	case res.GPUMemoryMiB < 0:
		r.add("resources.gpu_memory_mib", fmt.Sprintf("must not be negative (got %d)", res.GPUMemoryMiB), "set the minimum memory per GPU in MiB, or 0 for any")
	case res.GPUMemoryMiB > MaxGPUMemoryMiB:
		r.add("resources.gpu_memory_mib", fmt.Sprintf("is %d MiB; the limit is %d MiB per GPU", res.GPUMemoryMiB, MaxGPUMemoryMiB), "set the minimum memory per GPU in MiB, or 0 for any")
	case res.GPUMemoryMiB > 0 && res.GPUs == 0:
		r.add("resources.gpu_memory_mib", fmt.Sprintf("is %d but gpus is 0", res.GPUMemoryMiB), "set it to 0 for a CPU job, or ask for GPUs with resources.gpus")
	}
	checkGPUModels(res, r)
	switch {
	case res.CPUs < MinCPUs:
		r.add("resources.cpus", fmt.Sprintf("must be at least %d (got %d)", MinCPUs, res.CPUs), "set the number of CPU threads; the runtime pins OMP_NUM_THREADS, MKL_NUM_THREADS and GOMAXPROCS to it")
	case res.CPUs > MaxCPUs:
		r.add("resources.cpus", fmt.Sprintf("is %d; the limit is %d", res.CPUs, MaxCPUs), fmt.Sprintf("ask for at most %d CPUs", MaxCPUs))
	}
	switch {
	case res.MemoryMiB < MinMemoryMiB:
		r.add("resources.memory_mib", fmt.Sprintf("must be at least %d MiB (got %d)", MinMemoryMiB, res.MemoryMiB), "set the container's memory limit in MiB, e.g. 8192")
	case res.MemoryMiB > MaxMemoryMiB:
		r.add("resources.memory_mib", fmt.Sprintf("is %d MiB; the limit is %d MiB", res.MemoryMiB, MaxMemoryMiB), "lower the memory limit")
	}
	switch {
	case res.DiskMiB < 0:
		r.add("resources.disk_mib", fmt.Sprintf("must not be negative (got %d)", res.DiskMiB), "set the scratch and checkpoint space in MiB, or 0 for the provider's default")
	case res.DiskMiB > MaxDiskMiB:
		r.add("resources.disk_mib", fmt.Sprintf("is %d MiB; the limit is %d MiB", res.DiskMiB, MaxDiskMiB), "lower the disk request")
	}
}

func checkGPUModels(res Resources, r *report) {
	models := res.GPUModels
	switch {
	case len(models) == 0:
		return
	case res.GPUs == 0:
		r.add("resources.gpu_models", "is set but gpus is 0", "remove gpu_models for a CPU job, or ask for GPUs with resources.gpus")
		return
	case len(models) > MaxGPUModels:
		r.add("resources.gpu_models", fmt.Sprintf("lists %d models; the limit is %d", len(models), MaxGPUModels), "keep the models you accept most")
		return
	}
	for i, m := range models {
		field := fmt.Sprintf("resources.gpu_models[%d]", i)
		switch {
		case m == "":
			r.add(field, "is empty", "write a model name as the provider reports it, e.g. \"NVIDIA H100 80GB HBM3\", or remove the entry")
		case len(m) > MaxGPUModelLen:
			r.add(field, fmt.Sprintf("is %d bytes; the limit is %d", len(m), MaxGPUModelLen), "shorten the model name")
		case slices.Contains(models[:i], m):
			r.add(field, fmt.Sprintf("repeats %q", m), "list each model once")
		default:
			checkText(r, field, m, false)
		}
	}
}

func checkSteps(s *Spec, r *report) {
	switch {
	case s.Steps < 1:
		r.add("steps", fmt.Sprintf("must be at least 1 (got %d)", s.Steps), "set the total number of training steps")
	case s.Steps > MaxSteps:
		r.add("steps", fmt.Sprintf("is %d; the limit is %d (checkpoints are named step-<8 digits>)", s.Steps, MaxSteps), "lower steps, or count a step as several optimizer updates")
	}
	switch {
	case s.CheckpointEvery < 1:
		r.add("checkpoint_every", fmt.Sprintf("must be at least 1 (got %d)", s.CheckpointEvery), "set how many steps lie between checkpoints")
	case s.Steps >= 1 && s.CheckpointEvery > s.Steps:
		r.add("checkpoint_every", fmt.Sprintf("is %d, more than steps (%d)", s.CheckpointEvery, s.Steps), fmt.Sprintf("set it to at most %d", s.Steps))
	case s.Steps >= 1 && s.Segments() > MaxSegments:
		r.add("checkpoint_every", fmt.Sprintf("makes %d segments; the limit is %d", s.Segments(), MaxSegments),
			fmt.Sprintf("set it to at least %d so steps/checkpoint_every is at most %d", ceilDiv(s.Steps, MaxSegments), MaxSegments))
	}
}

func checkVerification(s *Spec, r *report) {
	v := s.Verification
	switch v.Mode {
	case "", ModeExact:
		if v.Tolerance != "" {
			r.add("verification.tolerance", fmt.Sprintf("must be empty in exact mode (got %q)", v.Tolerance), "remove it, or set verification.mode to tolerance")
		}
	case ModeTolerance:
		checkTolerance(v.Tolerance, r)
	default:
		r.add("verification.mode", fmt.Sprintf("must be exact or tolerance (got %q)", v.Mode), "use exact when a replayed segment gives identical bytes, tolerance when it gives close tensors")
	}
	segs := s.Segments()
	switch {
	case v.Samples < 1:
		r.add("verification.samples", fmt.Sprintf("must be at least 1 (got %d)", v.Samples), "set how many segments verifiers replay; `gpunet verify plan` computes how many catch cheating with the probability you want")
	case segs > 0 && segs <= MaxSegments && v.Samples > segs:
		r.add("verification.samples", fmt.Sprintf("is %d but the job has only %d segments", v.Samples, segs), fmt.Sprintf("set it to at most %d, or checkpoint more often", segs))
	}
}

func checkTolerance(t string, r *report) {
	const fix = `set it to the largest relative L2 distance per tensor you accept, as a quoted decimal such as "0.001"`
	norm, ok := normalizeDecimal(t)
	switch {
	case t == "":
		r.add("verification.tolerance", "is required in tolerance mode", fix)
	case !ok:
		r.add("verification.tolerance", fmt.Sprintf("is not a plain decimal with at most %d decimals (got %q)", MaxToleranceDecimals, t), fix)
	case norm == "0":
		r.add("verification.tolerance", "must be greater than 0", fix+`; for bitwise equality use mode: exact`)
	case !strings.HasPrefix(norm, "0."):
		r.add("verification.tolerance", fmt.Sprintf("must be less than 1 (got %q); at 1 any tensor passes", t), fix)
	}
}

func checkPayment(s *Spec, r *report) {
	priceOK := checkAmount(r, "max_price_per_gpu_hour", s.MaxPricePerGPUHour, "set the most you pay per GPU-hour, e.g. \"2gpu\"")
	depositOK := checkAmount(r, "deposit", s.Deposit, "set the escrow to lock, at least max_price_per_gpu_hour × gpus × max_duration in hours")
	durationOK := checkDuration(r, s.MaxDuration)
	gpusOK := s.Resources.GPUs > 0 && s.Resources.GPUs <= MaxGPUs
	if !priceOK || !depositOK || !durationOK || !gpusOK {
		return
	}
	if cost := NewAmount(s.MaxCost()); s.Deposit.Int().LT(cost.Int()) {
		r.add("deposit", fmt.Sprintf("%s does not cover the maximum cost %s (max_price_per_gpu_hour %s × %d GPUs × max_duration %s)",
			s.Deposit.humane(), cost.humane(), s.MaxPricePerGPUHour.humane(), s.Resources.GPUs, s.MaxDuration),
			fmt.Sprintf("raise deposit to at least %s, or lower max_price_per_gpu_hour, resources.gpus or max_duration", cost))
	}
}

func checkAmount(r *report, field string, a Amount, fix string) bool {
	switch {
	case a.bad != nil:
		r.add(field, a.bad.text, a.bad.fix)
	case !a.IsSet():
		r.add(field, "is required", fix)
	case !a.v.IsPositive():
		r.add(field, fmt.Sprintf("must be greater than zero (got %s)", a), fix)
	case a.v.GTE(maxAmount):
		r.add(field, fmt.Sprintf("is too large (got %s); amounts are below 10^%d ugpu", a, MaxAmountDigits), fix)
	default:
		return true
	}
	return false
}

func checkDuration(r *report, d Duration) bool {
	const fix = `set the longest the job may run, e.g. "24h"; the deposit must cover it`
	switch {
	case d.bad != nil:
		r.add("max_duration", d.bad.text, d.bad.fix)
	case d.d == 0:
		r.add("max_duration", "is required", fix)
	case d.d < 0:
		r.add("max_duration", fmt.Sprintf("must be positive (got %s)", d), fix)
	case d.d > MaxDuration:
		r.add("max_duration", fmt.Sprintf("is %s; the limit is %s (30 days)", d, MaxDuration), "split the job into shorter ones that resume from its last checkpoint")
	default:
		return true
	}
	return false
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}
