// Package server is the plumbing that the chi, gorilla, cognito and auth0
// examples share, so that each of them is left with what it is there to
// show: how its identity provider is configured and how its router puts
// the jwtguard middleware in front of its routes.
//
// An example builds its provider.Provider, then calls New, which builds
// what stands between the provider and the router: a Prometheus registry
// of its own with the jwtguard, Go and process collectors, a
// provider.Verifier whose key cache and verifications report to it, and
// the middleware; the example's Routes function mounts them. Run serves
// the resulting App on a listener until its context ends: it fetches the
// keys first, serves anyway if they cannot be fetched (protected routes
// answer 503 with Retry-After until the cache, retrying in the background,
// has them), and shuts down gracefully. Main is the main function around
// Run: configuration, signals, exit status.
//
// Env, SplitList and ParseFlags read flags with environment fallbacks;
// WriteJSON and Healthz answer requests. OIDCConfig, NewOIDCApp, RunOIDC
// and OIDCMain are the whole program of an example that accepts the tokens
// of one OpenID Connect issuer (chi and gorilla), given its router.
//
// An App, its Verifier and its Handler are safe for concurrent use.
package server
