// Package jobspec owns the gpunet job spec: parsing it from YAML (people) or
// canonical JSON (the chain), validating every field against the job contract
// of SPEC section 4 and the sandbox refusals of SPEC section 7, and encoding it
// canonically.
//
// The same code runs in the CLI, inside the chain's message validation and in
// the runtime, so it must decide identically everywhere: it performs no I/O,
// reads no chain state, no clock and no environment, uses no floating point
// for anything that affects validity or the canonical bytes, and never depends
// on map iteration order. Amounts are integers of ugpu (math.Int), durations
// are parsed in integer nanoseconds, and the tolerance is a decimal string.
//
// Three entry points:
//
//   - ParseYAML reads what a person wrote (JSON is accepted too, being YAML),
//     refuses sandbox-escaping keys with a security message, rejects unknown
//     and duplicate keys, fills defaults (Normalize) and validates.
//   - ParseCanonical is for the chain: strict JSON that must be byte-identical
//     to Canonical of what it decodes to, so one job has exactly one encoding.
//   - (*Spec).Canonical encodes a valid spec as compact JSON: struct field
//     order, sorted map keys, every field present (empty lists as [] and an
//     empty env as {}), amounts as "<n>ugpu", durations in time.Duration's
//     String form, defaults filled in, HTML characters not escaped.
//
// Validation reports every problem at once as *FieldError values joined with
// errors.Join, in field order, each naming the field by its dotted path and
// saying how to fix it. Malformed amounts and durations inside a decoded spec
// are kept and reported by Validate, with their path, rather than failing the
// decode, so that one pass shows everything to fix.
package jobspec
