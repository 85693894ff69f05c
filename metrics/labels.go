package metrics

import "github.com/jwtguard/jwtguard/internal/promconf"

// unknownIssuer labels what was not routed to a configured issuer.
const unknownIssuer = "unknown"

// issuerLabel returns the issuer label for s, an issuer or issuerOf's
// answer: "unknown" for "" (a token not routed to an issuer), s
// otherwise, made valid UTF-8. The hooks only ever pass the issuers of
// Providers, resolved tenants, or "", which bounds the label.
func issuerLabel(s string) string { return promconf.Label(s, unknownIssuer) }

// issuerOf is the issuer label's value for issuer, before issuerLabel
// makes it valid: Config.IssuerLabel's answer, if set.
func (c *Collector) issuerOf(issuer string) string {
	if c.issuerLabel == nil || issuer == "" {
		return issuer
	}
	return c.issuerLabel(issuer)
}

// enumLabel returns v if it is one of known, else "other".
func enumLabel[T ~string](v T, known []T) string { return promconf.Enum(v, known) }
