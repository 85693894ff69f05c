package metrics

import "github.com/jwtguard/jwtguard/internal/promconf"

// unknownIssuer labels what was not routed to a configured issuer.
const unknownIssuer = "unknown"

// issuerLabel returns the issuer label for s: "unknown" for "" (a token
// not routed to a configured issuer), s otherwise, made valid UTF-8. The
// hooks only ever pass configured issuers or "", which bounds the label.
func issuerLabel(s string) string { return promconf.Label(s, unknownIssuer) }

// enumLabel returns v if it is one of known, else "other".
func enumLabel[T ~string](v T, known []T) string { return promconf.Enum(v, known) }
