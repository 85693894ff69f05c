package m2m_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/m2mtest"
)

// Once a valid token is held, Token never waits, whatever the threshold
// and the traffic, while every refresh hangs in the token endpoint; once
// the token stops being handed out (10% of its minute before expiry),
// callers wait for a new one. See hangtest.Traffic for why this holds
// under any scheduling.
func TestTokenNeverWaitsWhileValid(t *testing.T) {
	iss, _ := newIssuer(t)
	for _, threshold := range []float64{0.5, 0.8, 0.95} {
		for _, tr := range []struct {
			name   string
			perSec int
		}{{"idle", 0}, {"1/s", 1}, {"10000/s", 10000}} {
			t.Run(fmt.Sprintf("threshold=%v/%s", threshold, tr.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					g := hangtest.NewGate()
					cfg := sourceConfig(iss, nil)
					cfg.EndpointParams = url.Values{"ttl": {"1m"}}
					cfg.Threshold = threshold
					cfg.HTTPClient = g.Client()
					ts := m2mtest.NewSource(t, cfg)
					first, err := ts.Token()
					if err != nil {
						t.Fatal(err)
					}
					g.Shut() // every refresh from now on hangs
					defer g.Open()

					stop := time.Until(first.Expiry) - 6*time.Second
					waited := hangtest.Traffic(stop-time.Millisecond, tr.perSec, func() error {
						tok, err := ts.Token()
						if err == nil && tok.AccessToken != first.AccessToken {
							return errors.New("a new token arrived through a hanging endpoint")
						}
						return err
					})
					if waited != "" {
						t.Fatal(waited)
					}
					if tr.perSec > 0 && g.Held() == 0 {
						t.Fatal("no refresh was attempted while the token was used: the test tested nothing")
					}

					time.Sleep(time.Until(first.Expiry.Add(-6 * time.Second)))
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					start := time.Now()
					if _, err := ts.TokenContext(ctx); err == nil {
						t.Fatalf("a token past its last 10%% was handed out after %v", time.Since(start))
					}
				})
			})
		}
	}
}
