// Package exampletest holds the test helpers that the tests of the chi,
// gorilla, cognito and auth0 examples share: requests with a bearer token
// and checks of their answers (Get, Route, CheckRoutes), running an
// example's run function on a fresh listener and stopping it (Listen,
// StartRun, CheckClosed, CheckGracefulShutdown, Logs), checking an
// expected error (WantError), and the whole configuration, router and
// run tests of the examples that accept the tokens of one OpenID Connect
// issuer (CheckOIDCParseConfig, CheckOIDCRouter, CheckOIDCRun), which
// differ only in their router.
//
// It is imported by tests only, so that the example binaries do not link
// package testing, and each example's program stays whole in its own
// directory. Call its functions from the test's own goroutine: they may
// stop it with t.Fatal.
package exampletest
