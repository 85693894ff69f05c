package metrics

// unknownIssuer labels what was not routed to a configured issuer.
const unknownIssuer = "unknown"

// issuerLabel returns the issuer label for s, an issuer or issuerOf's
// answer: "unknown" for "" (a token not routed to an issuer), s
// otherwise, made valid UTF-8. The hooks only ever pass the issuers of
// Providers, resolved tenants, or "", which bounds the label.
func issuerLabel(s string) string { return validLabel(s, unknownIssuer) }

// issuerOf is the issuer label's value for issuer, before issuerLabel
// makes it valid: Config.IssuerLabel's answer, if set.
func (c *Collector) issuerOf(issuer string) string {
	if c.issuerLabel == nil || issuer == "" {
		return issuer
	}
	return c.issuerLabel(issuer)
}
