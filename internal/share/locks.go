package share

import "sync"

// Locks are in-process locks by key for a Store kept in memory: a lock is
// held until Unlock (a holder that dies dies with the process), and a
// caller that finds it held gets a channel closed at its release. The zero
// value is ready to use and safe for concurrent use.
type Locks struct {
	mu   sync.Mutex
	held map[string]chan struct{}
}

// Lock implements Store.Lock for key.
func (l *Locks) Lock(key string) (owner string, released <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.held[key]; ok {
		return "", ch
	}
	if l.held == nil {
		l.held = make(map[string]chan struct{})
	}
	l.held[key] = make(chan struct{})
	return "held", nil
}

// Unlock implements Store.Unlock for key.
func (l *Locks) Unlock(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.held[key]; ok {
		close(ch)
		delete(l.held, key)
	}
}
