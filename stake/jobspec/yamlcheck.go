package jobspec

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxShapeProblems stops the shape check early: past this many, the rest are
// usually echoes of the first mistake.
const maxShapeProblems = 20

var (
	amountType   = reflect.TypeFor[Amount]()
	durationType = reflect.TypeFor[Duration]()
)

// shapeChecker walks the YAML tree alongside the Spec type before decoding.
// yaml.v3 alone would name no field in its errors, would say nothing of why
// "privileged" is missing from the schema, and would silently truncate
// "steps: 1.5" to 1.
type shapeChecker struct {
	errs []error
}

func (c *shapeChecker) add(field, problem, fix string) {
	if len(c.errs) < maxShapeProblems {
		c.errs = append(c.errs, &FieldError{Field: field, Problem: problem, Fix: fix})
	}
}

func (c *shapeChecker) full() bool { return len(c.errs) >= maxShapeProblems }

func (c *shapeChecker) value(n *yaml.Node, t reflect.Type, field string) {
	if c.full() {
		return
	}
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if t == amountType || t == durationType {
		return // their UnmarshalYAML keeps problems for Validate
	}
	switch t.Kind() {
	case reflect.Struct:
		c.mapping(n, t, field)
	case reflect.Map:
		c.stringMap(n, t.Elem(), field)
	case reflect.Slice:
		c.sequence(n, t.Elem(), field)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.add(field, "must be a string (got a "+kindName(n)+")", "write a single value here")
		}
	case reflect.Int64:
		c.integer(n, field)
	default:
		panic(fmt.Sprintf("jobspec: shape check has no rule for %s", t))
	}
}

func (c *shapeChecker) mapping(n *yaml.Node, t reflect.Type, field string) {
	fields := yamlFields(t)
	if n.Kind != yaml.MappingNode {
		c.add(field, "must be a mapping of fields (got a "+kindName(n)+")", "allowed fields here: "+strings.Join(fieldNames(fields), ", "))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content) && !c.full(); i += 2 {
		name, ok := c.key(n.Content[i], field, seen)
		if !ok {
			continue
		}
		at := joinField(field, name)
		if reason, refused := refusedKeys[name]; refused {
			c.add(at, "refused: "+reason, refusedFix)
			continue
		}
		ft, known := fields[name]
		if !known {
			c.add(at, "unknown field", unknownFix(name, fields))
			continue
		}
		c.value(n.Content[i+1], ft, at)
	}
}

func (c *shapeChecker) stringMap(n *yaml.Node, elem reflect.Type, field string) {
	if n.Kind != yaml.MappingNode {
		c.add(field, "must be a mapping of NAME: value (got a "+kindName(n)+")", "write one NAME: value per line")
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content) && !c.full(); i += 2 {
		name, ok := c.key(n.Content[i], field, seen)
		if ok {
			c.value(n.Content[i+1], elem, mapKeyField(field, name))
		}
	}
}

// key checks one mapping key: a plain scalar, not a merge, not repeated.
func (c *shapeChecker) key(k *yaml.Node, field string, seen map[string]int) (string, bool) {
	k = resolveAlias(k)
	if k.Kind != yaml.ScalarNode {
		c.add(orDocument(field), fmt.Sprintf("has a key that is a %s (line %d)", kindName(k), k.Line), "write keys as plain words")
		return "", false
	}
	if k.ShortTag() == "!!merge" {
		c.add(orDocument(field), fmt.Sprintf("uses a YAML merge key << (line %d)", k.Line), "write the fields out; merge keys are not supported in job specs")
		return "", false
	}
	if first, dup := seen[k.Value]; dup {
		c.add(joinField(field, k.Value), fmt.Sprintf("is set twice (lines %d and %d)", first, k.Line), "keep one of them")
		return "", false
	}
	seen[k.Value] = k.Line
	return k.Value, true
}

func (c *shapeChecker) sequence(n *yaml.Node, elem reflect.Type, field string) {
	if n.Kind != yaml.SequenceNode {
		example := "a list, one item per line starting with '- '"
		if elem.Kind() == reflect.String {
			example = "a list of strings, e.g. [python, train.py]"
		}
		c.add(field, "must be a list (got a "+kindName(n)+")", "write "+example)
		return
	}
	for i, item := range n.Content {
		if c.full() {
			return
		}
		c.value(item, elem, fmt.Sprintf("%s[%d]", field, i))
	}
}

func (c *shapeChecker) integer(n *yaml.Node, field string) {
	const fix = "write a whole number in digits, without quotes, decimal point or exponent"
	if n.Kind != yaml.ScalarNode {
		c.add(field, "must be a whole number (got a "+kindName(n)+")", fix)
		return
	}
	switch n.ShortTag() {
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil {
			c.add(field, fmt.Sprintf("is out of range (got %s)", n.Value), fix)
		}
	case "!!float":
		c.add(field, fmt.Sprintf("must be a whole number (got %s)", n.Value), fix)
	default:
		c.add(field, fmt.Sprintf("must be a whole number (got %q)", n.Value), fix)
	}
}

// yamlFields maps yaml tag names to field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		m[name] = f.Type
	}
	return m
}

func fieldNames(fields map[string]reflect.Type) []string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// unknownFix lists the allowed fields and, when a field differs from the
// unknown one only in case, '-' or '_', suggests it.
func unknownFix(name string, fields map[string]reflect.Type) string {
	fold := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	names := fieldNames(fields)
	for _, f := range names {
		if fold(f) == fold(name) {
			return fmt.Sprintf("did you mean %s? allowed fields here: %s", f, strings.Join(names, ", "))
		}
	}
	return "allowed fields here: " + strings.Join(names, ", ")
}

// resolveAlias follows *alias to its anchor. Anchors can nest but the walk
// follows the finite Spec type, so a cyclic alias ends at a kind mismatch.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch resolveAlias(n).Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	case yaml.DocumentNode:
		return "document"
	}
	return "alias"
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func orDocument(field string) string {
	if field == "" {
		return "(top level)"
	}
	return field
}
