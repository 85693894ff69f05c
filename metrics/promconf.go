package metrics

// Checking a Config's namespace and buckets, and keeping label values
// valid and bounded.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// defaultNamespace is the default first part of every metric name.
const defaultNamespace = "jwtguard"

// otherValue replaces an enum value a collector does not know, so that a label
// keeps its fixed set of values.
const otherValue = "other"

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// checkNamespace returns ns, or defaultNamespace for "", or an error naming the
// field of pkg's Config.
func checkNamespace(pkg, ns string) (string, error) {
	if ns == "" {
		return defaultNamespace, nil
	}
	if !namespaceRE.MatchString(ns) {
		return "", fmt.Errorf("%s: Config.Namespace %q: want letters, digits and underscores, not starting with a digit", pkg, ns)
	}
	return ns, nil
}

// checkBuckets returns a copy of b, or of def when b is nil, after checking
// that it is sorted strictly upwards; field names it in pkg's Config.
func checkBuckets(pkg, field string, b, def []float64) ([]float64, error) {
	if b == nil {
		b = def
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: Config.%s is empty (leave it nil for the default)", pkg, field)
	}
	for i := 1; i < len(b); i++ {
		if !(b[i] > b[i-1]) {
			return nil, fmt.Errorf("%s: Config.%s must be sorted strictly upwards (got %v)", pkg, field, b)
		}
	}
	return slices.Clone(b), nil
}

// validLabel returns s, or ifEmpty for "", made valid UTF-8 (a label value
// must be).
func validLabel(s, ifEmpty string) string {
	if s == "" {
		return ifEmpty
	}
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// enumLabel returns v if it is one of known, else otherValue.
func enumLabel[T ~string](v T, known []T) string {
	if slices.Contains(known, v) {
		return string(v)
	}
	return otherValue
}

// cached returns m[key], storing make() there first if it is absent: a
// hook on the request path reads a sync.Map instead of taking a vector's
// lock.
func cached[T any](m *sync.Map, key string, make func() T) T {
	v, ok := m.Load(key)
	if !ok {
		v, _ = m.LoadOrStore(key, make())
	}
	return v.(T)
}
