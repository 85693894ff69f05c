package m2m

import (
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// Token is an access token as a Store keeps it.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type,omitempty"`
	// Scope is the scope the endpoint granted, if its answer said.
	Scope string `json:"scope,omitempty"`
	// Issued is when the token was requested (by whichever process
	// requested it), and Expiry when it expires: Issued plus expires_in,
	// or plus the assumed lifetime when the answer had none. Measuring
	// from the request keeps Expiry on the early side.
	Issued time.Time `json:"issued"`
	Expiry time.Time `json:"expiry"`
}

// due is when the token should be replaced: once threshold of its
// lifetime has passed, and at the latest as long before it stops being
// handed out (see stopDelta) as that is before its expiry, so that the
// refresh is due while the token still serves, whatever the threshold:
// no caller has to wait for it.
func (t *Token) due(threshold float64) time.Time {
	due := t.Issued.Add(time.Duration(threshold * float64(t.Expiry.Sub(t.Issued))))
	if latest := t.stop().Add(-t.stopDelta()); latest.Before(due) {
		return latest
	}
	return due
}

// stop is when the token stops being handed out.
func (t *Token) stop() time.Time { return t.Expiry.Add(-t.stopDelta()) }

// expiredOnArrival reports whether the endpoint gave the token no
// lifetime at all (expires_in zero or negative): it must not be kept.
func (t *Token) expiredOnArrival() bool { return !t.Expiry.After(t.Issued) }

// stopDelta is how long before its expiry a token stops being handed out,
// so that it does not expire on its way to the server: 10 seconds (as
// oauth2.Token.Valid), or a tenth of the lifetime if that is shorter.
func (t *Token) stopDelta() time.Duration {
	return min(10*time.Second, t.Expiry.Sub(t.Issued)/10)
}

// held is the token a TokenSource serves, with what Token needs precomputed.
type held struct {
	o    *oauth2.Token
	due  time.Time   // replace it in the background from here on
	stop time.Time   // hand it out until here
	used atomic.Bool // handed out since it was obtained
	// minted: obtained from the token endpoint, not read from the store.
	minted bool
}

func newHeld(t *Token, threshold float64, minted bool) *held {
	o := &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry}
	if t.Scope != "" {
		o = o.WithExtra(map[string]any{"scope": t.Scope})
	}
	return &held{o: o, due: t.due(threshold), stop: t.stop(), minted: minted}
}
