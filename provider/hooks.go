package provider

import "time"

// Hooks receives the outcome of every verification. Verified is called on
// the verification path: keep it cheap and safe for concurrent use. The
// metrics package implements Hooks.
type Hooks interface {
	// Verified reports one call of Verify: the configured issuer the token
	// was routed to ("" if none was: no token, malformed, or an issuer not
	// configured), its error (nil on success; Reason gives its code), and
	// how long it took.
	Verified(issuer string, err error, d time.Duration)
}
