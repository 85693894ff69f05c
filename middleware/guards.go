package middleware

import (
	"net/http"

	"github.com/jwtguard/jwtguard/internal/claimrule"
	"github.com/jwtguard/jwtguard/internal/scope"
	"github.com/jwtguard/jwtguard/provider"
)

// The guards below go after Handler in a chain. Each lets a request
// through only if its claims hold what it requires; else it answers 403
// insufficient_scope (through ErrorHandler if set), and 401 when the
// request has no claims (no Handler before it, or CredentialsOptional and
// no token). They panic, when built, if given nothing to require, an empty
// value, or (scopes) a value RFC 6750 §3 does not allow in a challenge:
// like a bad route pattern, that is a programming error.

// RequireScopes returns a guard that requires every one of scopes (the
// scope or scp claim). Its 403 challenge names them: scope="a b".
func (m *Middleware) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	return m.guard("RequireScopes", scopes, true, true, (*provider.Claims).HasScope)
}

// RequireAnyScope is RequireScopes satisfied by any one of scopes.
func (m *Middleware) RequireAnyScope(scopes ...string) func(http.Handler) http.Handler {
	return m.guard("RequireAnyScope", scopes, false, true, (*provider.Claims).HasScope)
}

// RequireGroups returns a guard that requires every one of groups
// (provider.Claims.Groups: cognito:groups or groups, one rule for every
// issuer).
func (m *Middleware) RequireGroups(groups ...string) func(http.Handler) http.Handler {
	return m.guard("RequireGroups", groups, true, false, (*provider.Claims).HasGroup)
}

// RequireAnyGroup is RequireGroups satisfied by any one of groups.
func (m *Middleware) RequireAnyGroup(groups ...string) func(http.Handler) http.Handler {
	return m.guard("RequireAnyGroup", groups, false, false, (*provider.Claims).HasGroup)
}

// guard checks want against the claims with has: every one (all) or any
// one. With scopes, want is named in the 403 challenge.
func (m *Middleware) guard(name string, want []string, all, scopes bool, has func(*provider.Claims, string) bool) func(http.Handler) http.Handler {
	var valid func(string) bool
	if scopes {
		valid = scope.Valid
	}
	want, denied := claimrule.Want("middleware", name, want, all, valid)
	var challenge []string
	if scopes {
		challenge = want
	}
	return m.require(func(c *provider.Claims) error {
		if !claimrule.Holds(want, all, func(x string) bool { return has(c, x) }) {
			return denied
		}
		return nil
	}, challenge)
}

// Require returns a guard that lets a request through when rule returns
// nil for its claims: the rule of your own (a claim of yours, a
// revocation list — it runs on every request, unlike a Provider's rules,
// whose verdict is cached with the token). A request without claims gets
// the no-token 401; a rule's error is answered like a verification error
// (Status): make it match provider.ErrInsufficientScope for a 403, or
// provider.ErrInvalidToken for a 401. The scope and group guards are
// Require with a rule of their own; so are a provider's own guards, which
// live in its package (auth0.RequirePermissions: mw.Require(rule)).
func (m *Middleware) Require(rule func(*provider.Claims) error) func(http.Handler) http.Handler {
	if rule == nil {
		panic("middleware: Require needs a rule")
	}
	return m.require(rule, nil)
}

// require is Require, naming scopes in its 403 challenge.
func (m *Middleware) require(rule func(*provider.Claims) error, scopes []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if m.cfg.PassPreflight && isPreflight(r) {
				next.ServeHTTP(w, r)
				return
			}
			c := FromContext(r.Context())
			if c == nil {
				m.reject(w, r, provider.ErrNoToken, nil)
				return
			}
			if err := rule(c); err != nil {
				m.reject(w, r, err, scopes)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
