// Package dpopshared holds what package dpop shares with the middleware,
// so that neither has to export it: the default proof algorithms.
package dpopshared

// Algorithms are the proof algorithms accepted unless dpop.Options say
// otherwise: asymmetric ones only, never "none" or HS*. Read it, never
// change it.
var Algorithms = []string{"ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256"}
