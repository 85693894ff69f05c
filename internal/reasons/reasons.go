// Package reasons holds the reasons a token is refused, each a sentinel
// with a short code and a category (provider exports the categories and
// ErrExpired; the rest are codes that provider.Reason returns, not API),
// and lists every code, so that the metrics package can keep its reason
// label to them.
package reasons

// DPoP are the codes of DPoP refusals (packages dpop, internal/dpopcheck
// and the middleware).
var DPoP = []string{
	"dpop_malformed", "dpop_type", "dpop_algorithm", "dpop_key", "dpop_signature", "dpop_missing_claim",
	"dpop_method", "dpop_uri", "dpop_iat", "dpop_ath", "dpop_nonce", "dpop_replay", "dpop_binding", "dpop_unbound", "dpop_replays_full",
}

// Codes are every value provider.Reason returns for a non-nil error.
var Codes = []string{
	"too_large", "malformed", "unknown_issuer", "algorithm", "kid", "unknown_key", "signature",
	"expired", "not_yet_valid", "missing_claim", "audience", "token_use", "client", "claims", "type",
	"insufficient_scope", "no_token", "keys_unavailable", "invalid_token", "error",
}
