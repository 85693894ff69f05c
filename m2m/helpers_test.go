package m2m_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/provider"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// TokenSource must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClient   = "svc"
	testSecret   = "svc-secret"
	testAudience = m2mtest.Audience
)

// newIssuer starts an issuer that knows testClient, counts the token
// requests it receives (not only the ones it answers with a token), and
// closes it when the test ends.
func newIssuer(t testing.TB) (*testissuer.Issuer, *atomic.Int64) {
	t.Helper()
	iss := testissuer.New()
	t.Cleanup(iss.Close)
	iss.SetClient(testClient, testSecret)
	var requests atomic.Int64
	iss.OnRequest(func(r *http.Request) {
		if r.URL.Path == testissuer.TokenPath {
			requests.Add(1)
		}
	})
	return iss, &requests
}

// sourceConfig is a TokenSource configuration for testClient at iss.
func sourceConfig(iss *testissuer.Issuer, h observe.Source) m2m.Config {
	return m2mtest.SourceConfig(iss.URL+testissuer.TokenPath, testClient, testSecret, h)
}

// backingOff reports whether err is a TokenSource's answer during a
// backoff, which sends nothing: its message says so.
func backingOff(err error) bool {
	return err != nil && strings.Contains(err.Error(), "m2m: backing off after a failed token request")
}

// newHooks returns a recorder whose Next waits a minute (of the bubble's
// clock inside synctest).
func newHooks() *m2mtest.Hooks { return m2mtest.NewHooks(time.Minute) }

// verifyToken verifies token with a provider.Verifier for iss that
// accepts audience, and returns its claims: a minted token closes the loop
// with the middleware.
func verifyToken(t *testing.T, iss *testissuer.Issuer, token, audience string) *provider.Claims {
	t.Helper()
	oidc, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{oidc}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	c, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}
