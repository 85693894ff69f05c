package middleware

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/jwtguard/jwtguard/provider"
)

// RequireScopes returns middleware that lets a request through only if its
// claims carry every one of scopes; else 403 insufficient_scope, with the
// scopes in the challenge. Without claims (CredentialsOptional and no
// token) it answers 401.
func (m *Middleware) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	return m.guard(scopes, scopes, func(c *provider.Claims) []string { return c.Scopes }, true)
}

// RequireAnyScope is RequireScopes satisfied by any one of scopes.
func (m *Middleware) RequireAnyScope(scopes ...string) func(http.Handler) http.Handler {
	return m.guard(scopes, scopes, func(c *provider.Claims) []string { return c.Scopes }, false)
}

// RequireGroups lets a request through only if its claims carry every one
// of groups (cognito:groups or groups).
func (m *Middleware) RequireGroups(groups ...string) func(http.Handler) http.Handler {
	return m.guard(groups, nil, func(c *provider.Claims) []string { return c.Groups }, true)
}

// RequireAnyGroup is RequireGroups satisfied by any one of groups.
func (m *Middleware) RequireAnyGroup(groups ...string) func(http.Handler) http.Handler {
	return m.guard(groups, nil, func(c *provider.Claims) []string { return c.Groups }, false)
}

// RequirePermissions lets a request through only if its claims carry every
// one of permissions (Auth0 RBAC).
func (m *Middleware) RequirePermissions(perms ...string) func(http.Handler) http.Handler {
	return m.guard(perms, nil, func(c *provider.Claims) []string { return c.Permissions }, true)
}

// RequireAnyPermission is RequirePermissions satisfied by any one of
// permissions.
func (m *Middleware) RequireAnyPermission(perms ...string) func(http.Handler) http.Handler {
	return m.guard(perms, nil, func(c *provider.Claims) []string { return c.Permissions }, false)
}

// guard checks want against what the claims hold; challenge is the scope
// reported in WWW-Authenticate.
func (m *Middleware) guard(want, challenge []string, have func(*provider.Claims) []string, all bool) func(http.Handler) http.Handler {
	want = slices.Clone(want)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := ClaimsFrom(r.Context())
			if c == nil {
				m.reject(w, r, provider.ErrNoToken, nil)
				return
			}
			if !holds(have(c), want, all) {
				m.reject(w, r, fmt.Errorf("%w: want %q", provider.ErrInsufficientScope, want), challenge)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// holds reports whether have contains every (all) or any (!all) of want.
func holds(have, want []string, all bool) bool {
	for _, x := range want {
		in := slices.Contains(have, x)
		if all && !in {
			return false
		}
		if !all && in {
			return true
		}
	}
	return all
}
