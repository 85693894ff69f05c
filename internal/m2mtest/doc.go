// Package m2mtest holds what the tests of m2m, m2m/redistoken and metrics
// share to drive real TokenSources and Proxies: a settable Clock, a Hooks
// recorder and a Config builder. Only tests import it: it calls t.Fatal
// and leaves keep-alives off, which no production code wants.
//
// Clock and Hooks are safe for concurrent use: a TokenSource calls its
// hooks and reads its clock from several goroutines while the test reads
// what they recorded.
package m2mtest
