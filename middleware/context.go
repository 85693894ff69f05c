package middleware

import (
	"context"

	"github.com/jwtguard/jwtguard/provider"
)

type contextKey struct{ name string }

var claimsCtxKey = &contextKey{"claims"}

// NewContext returns ctx carrying claims, as the middleware passes it to the
// next handler; useful to test handlers.
func NewContext(ctx context.Context, claims *provider.Claims) context.Context {
	return context.WithValue(ctx, claimsCtxKey, claims)
}

// FromContext returns the verified claims in ctx (put there by the
// middleware or NewContext), or nil when the request was not
// authenticated (no middleware, or CredentialsOptional without a token).
func FromContext(ctx context.Context) *provider.Claims {
	c, _ := ctx.Value(claimsCtxKey).(*provider.Claims)
	return c
}
