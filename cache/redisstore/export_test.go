package redisstore

// SetOnWait makes s call f when a Fetch starts waiting for another
// replica's fetch. Set it before the first Fetch.
func SetOnWait(s *Store, f func()) { s.onWait = f }

// SetOnDispatch makes s call f each time a notice or subscription reaches
// the watchers of a channel. Set it before the first Watch.
func SetOnDispatch(s *Store, f func(channel string)) { s.onDispatch = f }
