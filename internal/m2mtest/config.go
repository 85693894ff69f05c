package m2mtest

import (
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/m2m"
)

// The audience and scope SourceConfig asks for.
const (
	Audience = "https://api.example.test"
	Scope    = "read:things"
)

// NoKeepAlive returns an HTTP client that opens a connection per request:
// inside a testing/synctest bubble an idle keep-alive connection would keep
// the bubble from ever going idle.
func NoKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// SourceConfig is an m2m.Config for client id with secret at the token
// endpoint tokenURL (a test issuer's URL + TokenPath): Audience, Scope, the
// credentials in the form body, a NoKeepAlive client, and h (which may be
// nil) for the events. It takes the URL, so that a test of any token
// endpoint can use it.
func SourceConfig(tokenURL, id, secret string, h observe.Source) m2m.Config {
	return m2m.Config{
		TokenURL:     tokenURL,
		ClientID:     id,
		ClientSecret: secret,
		Audience:     Audience,
		Scopes:       []string{Scope},
		AuthStyle:    oauth2.AuthStyleInParams,
		HTTPClient:   NoKeepAlive(),
		Metrics:      h,
	}
}

// NewSource returns m2m.New(cfg), failing the test on an error, and closes
// the source when the test ends.
func NewSource(t testing.TB, cfg m2m.Config) *m2m.TokenSource {
	t.Helper()
	ts, err := m2m.New(cfg)
	if err != nil {
		t.Fatalf("m2m.New: %v", err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts
}
