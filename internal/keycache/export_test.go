package keycache

// The unexported errors, for the tests of package keycache_test.
var ErrBadDocument = errBadDocument

type StatusError = statusError

// Keys returns the keys serving now, in document order, without counting a
// use or fetching.
func (c *Cache) Keys() []Key {
	s := c.eng.Current()
	if s == nil {
		return nil
	}
	out := make([]Key, len(s.keys.list))
	for i := range s.keys.list {
		out[i] = Key{&s.keys.list[i], s.keys}
	}
	return out
}
