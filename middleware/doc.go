// Package middleware puts JWT authentication in front of net/http
// handlers.
//
// Middleware.Handler has the func(http.Handler) http.Handler signature of
// net/http, chi (r.Use, r.With) and gorilla/mux (router.Use) chains: it
// takes the token (by default from "Authorization: Bearer …", see
// BearerToken; CookieToken and HeaderToken are other Extractors), verifies
// it with a provider.Verifier and calls the next handler with the claims
// in the request context (FromContext; NewContext for tests).
//
// A rejected request gets the status of Status, an RFC 6750
// WWW-Authenticate challenge, Retry-After on 503 and a small JSON body
// {"error":…,"error_description":…} that never echoes the token or
// internal details (WriteError); Config.ErrorHandler can replace that
// response:
//
//	no token                            401  Bearer realm="…"
//	malformed Authorization header      400  error="invalid_request"
//	invalid token (signature, expiry,
//	issuer, audience, claim rules, …)   401  error="invalid_token"
//	missing scope, group or permission  403  error="insufficient_scope"
//	keys unavailable                    503  Retry-After, no challenge
//
// RequireScopes, RequireGroups, RequirePermissions and their any-of
// variants guard routes behind Handler. Options let requests without a
// token through (CredentialsOptional) and CORS preflight requests to a
// CORS handler behind the middleware (PassPreflight; by default a
// preflight needs a token like any request).
//
// A Middleware, its Handler and its guards are safe for concurrent use.
package middleware
