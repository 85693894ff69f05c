package testissuer

import "sync"

// block closes the gate in slot until release is called. A gate is a
// mutex, not a channel, so that handlers outside a testing/synctest bubble
// may wait on a gate closed inside one.
func (i *Issuer) block(slot **sync.Mutex) (release func()) {
	g := new(sync.Mutex)
	g.Lock()
	i.mu.Lock()
	*slot = g
	i.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			i.mu.Lock()
			if *slot == g {
				*slot = nil
			}
			i.mu.Unlock()
			g.Unlock()
		})
	}
}

// pass waits until gate g (nil: open) is released.
func pass(g *sync.Mutex) {
	if g != nil {
		g.Lock()
		g.Unlock() //nolint:staticcheck // a gate: wait for release
	}
}
