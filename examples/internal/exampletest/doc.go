// Package exampletest holds the test helpers that the tests of the chi,
// gorilla, cognito and auth0 examples share: requests with a bearer token
// and checks of their answers (Get, Route, CheckRoutes), serving an App
// for a test (Serve), running an example's run function on a fresh
// listener and stopping it (Listen, StartRun, CheckClosed), checking an
// expected error (WantError), and the whole router and run tests of the
// examples built on server.OIDCMain (CheckOIDCRouter, CheckOIDCRun), which
// differ only in their router.
//
// It is imported by tests only, so that the example binaries do not link
// package testing. Call its functions from the test's own goroutine: they
// may stop it with t.Fatal.
package exampletest
