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
	release = func() {
		once.Do(func() {
			i.mu.Lock()
			if *slot == g {
				*slot = nil
			}
			i.mu.Unlock()
			g.Unlock()
		})
	}
	i.mu.Lock()
	i.releases = append(i.releases, release)
	i.mu.Unlock()
	return release
}

// releaseAll opens every gate closed so far: Close does, so that a test
// that failed before releasing one does not hang in Server.Close.
func (i *Issuer) releaseAll() {
	i.mu.Lock()
	rs := i.releases
	i.releases = nil
	i.mu.Unlock()
	for _, r := range rs {
		r()
	}
}

// pass waits until gate g (nil: open) is released.
func pass(g *sync.Mutex) {
	if g != nil {
		g.Lock()
		g.Unlock() //nolint:staticcheck // a gate: wait for release
	}
}
