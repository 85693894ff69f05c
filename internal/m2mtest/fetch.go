package m2mtest

import (
	"context"
	"errors"
	"time"

	"github.com/jwtguard/jwtguard/internal/share"
	"github.com/jwtguard/jwtguard/m2m"
)

// Fetch runs over store what a TokenSource runs on a refresh (package
// share's protocol, waiting at most 15 s for another holder): the token
// under key if usable accepts it, else one minted holding the key's lock
// (kept unless it expired on arrival), or — the store failing — minted
// without it, the failure passed to report.
func Fetch(ctx context.Context, store m2m.Store, key string, usable func(*m2m.Token) bool, mint func(context.Context) (*m2m.Token, error), report func(error)) (*m2m.Token, error) {
	t, _, err := share.Do(ctx, share.Store[m2m.Token](store), key, share.Options[m2m.Token]{
		Fresh:       usable,
		Produce:     mint,
		Shareable:   func(t *m2m.Token) bool { return t.Expiry.After(t.Issued) },
		Report:      report,
		WaitFor:     15 * time.Second,
		LockTimeout: errLockTimeout,
	})
	return t, err
}

// errLockTimeout is what Fetch reports when the lock holder shared no
// token in time (m2m's own is unexported).
var errLockTimeout = errors.New("m2m: no token from the holder of the mint lock")
