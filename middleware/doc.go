// Package middleware puts JWT authentication in front of net/http
// handlers. Middleware.Handler has the func(http.Handler) http.Handler
// signature of net/http, chi and gorilla/mux chains: it takes the token
// (by default from "Authorization: Bearer …"), verifies it with a
// provider.Verifier and calls the next handler with the claims in the
// request context (ClaimsFrom). A rejected request gets the status of
// Status, an RFC 6750 WWW-Authenticate challenge, Retry-After on 503 and
// a small JSON body that never echoes the token; ErrorHandler can replace
// that response. RequireScopes, RequireGroups, RequirePermissions and
// their any-of variants guard routes behind it (403 insufficient_scope).
//
// A Middleware is safe for concurrent use.
package middleware
