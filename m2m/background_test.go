package m2m_test

import (
	"errors"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/m2m"
)

// A source whose background refresh fails retries, with backoff, only
// while the token it holds is still valid; once that token has expired it
// stops calling the endpoint until a caller asks again, however long it
// stays idle (credentials revoked on a source nobody uses any more must
// not cost a request a minute for hours).
func TestBackgroundRetriesStopAtExpiry(t *testing.T) {
	iss, requests := newIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		cfg := sourceConfig(iss, nil)
		cfg.EndpointParams = url.Values{"ttl": {"10m"}}
		ts := m2mtest.NewSource(t, cfg)
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		iss.SetClient(testClient, "revoked") // every refresh now fails with 401

		time.Sleep(time.Until(tok.Expiry))
		synctest.Wait()
		// Due at 8 minutes, handed out until 9m50s: retries after 1, 2, 4,
		// 8, 16, 32 and 60 seconds (+0–20%) fit in the 110 seconds between.
		atExpiry := requests.Load()
		if atExpiry < 1+5 {
			t.Fatalf("%d token requests by the token's expiry, want the first and at least 5 retries while it was valid", atExpiry)
		}

		time.Sleep(6 * time.Hour)
		synctest.Wait()
		if got := requests.Load(); got != atExpiry {
			t.Fatalf("%d token requests while idle after the token expired, want none", got-atExpiry)
		}

		// The next caller asks, and that starts one request.
		if _, err := ts.Token(); !errors.Is(err, m2m.ErrRejected) || backingOff(err) {
			t.Fatalf("Token() after idling: %v, want a new request's ErrRejected", err)
		}
		if got := requests.Load(); got != atExpiry+1 {
			t.Fatalf("%d token requests for one caller, want 1", got-atExpiry)
		}
	})
}
