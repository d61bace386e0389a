package watch

import "fmt"

const (
	namePrefix = "step-"
	nameSuffix = ".safetensors"
	nameDigits = 8
)

// Name is the file name of the checkpoint of step: "step-", the step in
// eight decimal digits, ".safetensors" (SPEC section 4).
func Name(step int64) string {
	return fmt.Sprintf("%s%0*d%s", namePrefix, nameDigits, step, nameSuffix)
}

// ParseName returns the step of a checkpoint file name as Name writes it.
// Anything else (the writer's hidden ".step-<digits>.safetensors.tmp-*"
// temp files, other digit counts, signs, paths) is not a checkpoint name.
func ParseName(name string) (step int64, ok bool) {
	if len(name) != len(namePrefix)+nameDigits+len(nameSuffix) ||
		name[:len(namePrefix)] != namePrefix ||
		name[len(namePrefix)+nameDigits:] != nameSuffix {
		return 0, false
	}
	for _, c := range []byte(name[len(namePrefix) : len(namePrefix)+nameDigits]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		step = step*10 + int64(c-'0')
	}
	return step, true
}
