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
// response, and hand WriteError the errors it leaves to the default:
//
//	no token                            401  Bearer realm="…"
//	malformed Authorization header      400  error="invalid_request"
//	invalid token (signature, expiry,
//	issuer, audience, claim rules, …)   401  error="invalid_token"
//	missing scope, group or permission  403  error="insufficient_scope"
//	keys unavailable                    503  Retry-After, no challenge
//
// RequireScopes, RequireGroups and their any-of variants guard routes
// behind Handler. Guards of a provider's own claims live in its package,
// as rules for Require: auth0.RequirePermissions and
// auth0.RequireAnyPermission (Auth0 RBAC permissions), used as
// mw.Require(auth0.RequirePermissions("orders:delete")). Options let
// requests without a token through (CredentialsOptional) and CORS
// preflight requests to a CORS handler behind the middleware
// (PassPreflight; by default a preflight needs a token like any request).
//
// With routers:
//
//	// net/http
//	mux.Handle("DELETE /orders/{id}", mw.Handler(mw.RequireScopes("orders:delete")(deleteOrder)))
//
//	// chi
//	r.Group(func(r chi.Router) {
//		r.Use(mw.Handler)
//		r.With(mw.RequireScopes("orders:write")).Post("/orders", createOrder)
//	})
//
//	// gorilla/mux
//	api := r.PathPrefix("/api").Subrouter()
//	api.Use(mw.Handler)
//	api.PathPrefix("/admin").Subrouter().Use(mw.RequireAnyGroup("admins", "ops"))
//
// Require(rule) is the guard of a rule of your own, run on every request
// (a revocation list, a claim of yours); the scope and group guards, and
// the provider packages' guards, are built on it. Building a guard with no
// values, an empty value, or a scope with a space, '"' or '\' panics,
// like a bad route pattern.
//
// DPoP (RFC 9449, Config.DPoP): in DPoPAllowed or DPoPRequired mode the
// middleware takes "Authorization: DPoP <token>" with one "DPoP: <proof>"
// header, checks the proof against the request's method and public URI
// (DPoPConfig.PublicURL, or forwarding headers of TrustedProxies only)
// and the rules of DPoPConfig (algorithms, age, server nonces), checks
// that the token is bound to the proof's key
// (cnf.jkt) and that the proof was not used before (DPoPConfig.Replays),
// and answers refusals with a DPoP challenge (error="invalid_dpop_proof",
// "use_dpop_nonce" with a DPoP-Nonce header, or "invalid_token"). A token
// bound to a key is never accepted as a bearer token, whatever the mode.
// The handler finds the proof with ProofFromContext. A custom
// ErrorHandler writes its own challenges, DPoP-Nonce included.
//
// Logging (Config.Logger): rejections at debug, with the reason code,
// method and path — never a token, a secret or a claim set.
//
// A Middleware, its Handler and its guards are safe for concurrent use.
package middleware
