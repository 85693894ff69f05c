package redisstore

import "testing"

// ErrClosed is what a Store's methods return after Close.
var ErrClosed = errClosed

// Seal returns what s stores in Redis for a record of url: the record
// with its MAC under the fleet's secret. Tests plant records with it.
func Seal(s *Store, url string, record []byte) []byte { return s.seal.Seal(s.key(url), record) }

// SetOnWait makes s call f each time a Lock finds the lock held (a
// refresh waits, or keeps waiting, for another
// replica's fetch. Set it before the first Fetch.
func SetOnWait(s *Store, f func()) { s.onWait = f }

// SetOnDispatch makes s call f each time a notice or subscription reaches
// the watchers of a channel. Set it before the first Watch.
func SetOnDispatch(s *Store, f func(channel string)) { s.onDispatch = f }

// SetOnStopWait makes every watcher's stop call f just before it waits for
// the running call of changed, until t ends. Tests that set it must not
// run in parallel.
func SetOnStopWait(t testing.TB, f func()) {
	onStopWait = f
	t.Cleanup(func() { onStopWait = nil })
}

// Key is key, for the tests: the Redis key of url's document.
func (s *Store) Key(url string) string { return s.key(url) }
