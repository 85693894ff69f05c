package provider

import (
	"context"
	"time"
)

// TokenCacheLen returns the entries and bytes held by v's cache of
// verified tokens, and the entries of its cache of forged ones.
func TokenCacheLen(v *Verifier) (verified int, bytes int64, forged int) {
	if v.tokens == nil {
		return 0, 0, 0
	}
	return v.tokens.verified.Len(), v.tokens.verified.Bytes(), v.tokens.forged.Len()
}

// HeldTenants returns the number of tenants v holds.
func HeldTenants(v *Verifier) int {
	if v.tenants == nil {
		return 0
	}
	return v.tenants.held.Len()
}

// RouteTenant routes issuer as Verify does for a token of it, and
// reports whether a tenant was found.
func RouteTenant(v *Verifier, ctx context.Context, issuer string, now time.Time) bool {
	r, err := v.tenants.route(ctx, issuer, now)
	return err == nil && r != nil
}
