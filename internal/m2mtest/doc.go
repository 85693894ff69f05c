// Package m2mtest holds what the tests of m2m, m2m/redistoken and metrics
// share to drive real TokenSources and Proxies: a Hooks recorder and a
// Config builder (time is testing/synctest's). Only tests import it: it calls t.Fatal
// and leaves keep-alives off, which no production code wants.
//
// Hooks is safe for concurrent use: a TokenSource calls its hooks from
// several goroutines while the test reads what they recorded.
package m2mtest
