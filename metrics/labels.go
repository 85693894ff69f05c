package metrics

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Label values that are not passed in by the hooks.
const (
	// unknownIssuer labels what was not routed to a configured issuer.
	unknownIssuer = "unknown"
	// other replaces an enum value this package does not know, so that a
	// label keeps its fixed set of values.
	other = "other"
)

// issuerLabel returns the issuer label for s: "unknown" for "" (a token
// not routed to a configured issuer), s otherwise, made valid UTF-8 (a
// label value must be). The hooks only ever pass configured issuers or "",
// which bounds the label.
func issuerLabel(s string) string {
	if s == "" {
		return unknownIssuer
	}
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// enumLabel returns v if it is one of known, else "other".
func enumLabel[T ~string](v T, known []T) string {
	if slices.Contains(known, v) {
		return string(v)
	}
	return other
}
