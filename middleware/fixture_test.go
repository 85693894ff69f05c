package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// The issuers every test verifies against. Tests build their own
// verifiers (and so their own key caches) over them; only TestMain
// changes them.
var (
	// plain is an OIDC issuer whose tokens must carry aud "api".
	plain *testissuer.Issuer
	// retiredKID signs for plain but is not published: an unknown key.
	retiredKID string
	// ruled is an issuer with Cognito-like rules (see ruledValidate).
	ruled *testissuer.Issuer
	// down answers its JWKS with HTTP 500: its keys are unavailable.
	down *testissuer.Issuer
)

func TestMain(m *testing.M) {
	plain, ruled, down = testissuer.New(), testissuer.New(), testissuer.New()
	retiredKID = plain.AddKey("RS256")
	plain.Remove(retiredKID)
	down.SetStatus(http.StatusInternalServerError)
	code := m.Run()
	plain.Close()
	ruled.Close()
	down.Close()
	// Every verifier is closed by its test: no cache goroutine may be left.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if err := goleak.Find(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "middleware: leaked goroutines:", err)
		code = 1
	}
	os.Exit(code)
}

// ruledValidate is the rule of the ruled issuer: an access token of client
// "app" whose groups include "staff".
func ruledValidate(c *provider.Claims) error {
	use, _ := c.LookupString("token_use")
	switch {
	case use != "access":
		return fmt.Errorf("%w: %q", reasons.TokenUse, use)
	case c.ClientID() != "app":
		return fmt.Errorf("%w: %q", reasons.Client, c.ClientID())
	case !c.HasGroup("staff"):
		return fmt.Errorf("%w: %q", reasons.MissingGroup, "staff")
	}
	return nil
}

// minRefresh is the cache's MinRefreshInterval in tests: the first backoff
// after a failed fetch is minRefresh plus up to 20% jitter.
const minRefresh = 10 * time.Second

// newVerifier returns a verifier over plain, ruled and down with its own
// key caches (nothing fetched yet), closed when the test ends.
func newVerifier(tb testing.TB) *provider.Verifier {
	tb.Helper()
	ctx := context.Background()
	var ps []provider.Provider
	for _, cfg := range []provider.OIDCConfig{
		{Issuer: plain.URL, JWKSURL: plain.JWKSURL(), Audiences: []string{"api"}},
		{Issuer: ruled.URL, JWKSURL: ruled.JWKSURL(), InsecureSkipAudienceCheck: true, Validate: ruledValidate},
		{Issuer: down.URL, JWKSURL: down.JWKSURL(), Audiences: []string{"api"}},
	} {
		p, err := provider.NewOIDC(ctx, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, p)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: ps,
		Cache:     cache.Config{Strategy: cache.Time, Interval: time.Hour, MinRefreshInterval: minRefresh},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// newMiddleware returns a middleware with realm "test" over a new
// verifier, cfg adding to it.
func newMiddleware(tb testing.TB, cfg middleware.Config) *middleware.Middleware {
	tb.Helper()
	if cfg.Verifier == nil {
		cfg.Verifier = newVerifier(tb)
	}
	if cfg.Realm == "" {
		cfg.Realm = "test"
	}
	m, err := middleware.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// token returns a valid token of plain for sub with extra claims.
func token(sub string, extra jwt.MapClaims) string {
	return plain.Token(sub, "api", extra)
}

// echo answers 200 with the subject of the request's claims, or "-"
// without claims.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	sub := "-"
	if c := middleware.FromContext(r.Context()); c != nil {
		sub = c.Subject()
	}
	_, _ = fmt.Fprint(w, sub)
})

// mustNotCall fails the test if the handler runs.
func mustNotCall(t *testing.T) http.Handler {
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("next handler called")
	})
}

// serve runs h on a request for target with the Authorization header
// auth (none if empty).
func serve(h http.Handler, method, target, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorBody is the default error response's body.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// decodeError decodes a default error body, strictly.
func decodeError(t *testing.T, body string) errorBody {
	t.Helper()
	var b errorBody
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if b.Error == "" || b.Description == "" {
		t.Fatalf("body %q: error or error_description empty", body)
	}
	return b
}

// assertNoToken fails if s contains tok or any of its segments.
func assertNoToken(t *testing.T, what, s, tok string) {
	t.Helper()
	if tok == "" {
		return
	}
	for _, part := range append([]string{tok}, strings.Split(tok, ".")...) {
		if len(part) >= 8 && strings.Contains(s, part) {
			t.Errorf("%s contains (part of) the token: %q", what, part)
		}
	}
}

// parseClaims is the claims set js, for handlers and guards tested without
// a token.
func parseClaims(tb testing.TB, js string) *provider.Claims {
	tb.Helper()
	c, err := provider.ParseClaims([]byte(js))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
