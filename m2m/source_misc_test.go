package m2m_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
)

// Its Transport, or oauth2.Transport or oauth2.NewClient around it, puts
// the source's cached token on every outgoing request.
func TestTokenSourceTransport(t *testing.T) {
	iss, _ := newIssuer(t)
	ts := m2mtest.NewSource(t, sourceConfig(iss, nil))
	var (
		mu   sync.Mutex
		seen []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Header.Get("Authorization"))
	}))
	defer api.Close()

	var viaBase atomic.Int64
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		viaBase.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	clients := map[string]*http.Client{
		"TokenSource.Transport": {Transport: ts.Transport(base)},
		"oauth2.Transport":      {Transport: &oauth2.Transport{Source: ts}},
		"oauth2.NewClient":      oauth2.NewClient(context.Background(), ts),
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			for range 10 {
				resp, err := c.Get(api.URL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			tok, err := ts.Token()
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			got := slices.Clone(seen)
			mu.Unlock()
			for _, h := range got {
				if h != "Bearer "+tok.AccessToken {
					t.Fatalf("request carried %q, want the cached token", h)
				}
			}
			if len(got) != 10 || iss.Mints() != 1 {
				t.Fatalf("%d requests, %d mints; want 10 and 1", len(got), iss.Mints())
			}
			if name == "TokenSource.Transport" && viaBase.Load() != 10 {
				t.Fatalf("%d requests through the base given, want 10", viaBase.Load())
			}
		})
	}
}

// Sources that share a store (here one in memory) and ask for the same
// token spend one; the second reads the first's.
func TestSharedStore(t *testing.T) {
	iss, _ := newIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		store := m2m.NewMemoryStore(10)
		h1, h2 := newHooks(), newHooks()
		c1, c2 := sourceConfig(iss, h1), sourceConfig(iss, h2)
		c1.Store, c2.Store = store, store
		c2.Scopes = []string{"read:things", "read:things"} // same scopes
		a, b := m2mtest.NewSource(t, c1), m2mtest.NewSource(t, c2)
		ta, err := a.Token()
		if err != nil {
			t.Fatal(err)
		}
		tb, err := b.Token()
		if err != nil {
			t.Fatal(err)
		}
		if ta.AccessToken != tb.AccessToken || iss.Mints() != 1 {
			t.Fatalf("tokens differ or %d mints; want one shared token", iss.Mints())
		}
		if ev := h2.Next(t); ev.Result != observe.TokenShared {
			t.Errorf("second source's refresh = %+v, want shared", ev)
		}
		if h2.ServedCount() != 1 {
			t.Errorf("a shared token should count as served (quota saved)")
		}

		// Another audience is another token.
		c3 := sourceConfig(iss, nil)
		c3.Store, c3.Audience = store, "https://other.example.test"
		if _, err := m2mtest.NewSource(t, c3).Token(); err != nil {
			t.Fatal(err)
		}
		if iss.Mints() != 2 || m2m.StoreLen(store) != 2 {
			t.Fatalf("%d mints, %d stored; want 2 and 2", iss.Mints(), m2m.StoreLen(store))
		}
	})
}

// Close cancels a refresh in flight, stops the goroutine, and is
// idempotent; afterwards a source without a valid token returns ErrClosed.
func TestTokenSourceClose(t *testing.T) {
	iss, _ := newIssuer(t)
	release := iss.BlockTokens()
	defer release()
	ts, err := m2m.New(sourceConfig(iss, nil))
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := ts.TokenContext(ctx)
		waiting <- err
	}()
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("TokenContext with a canceled context: %v, want context.Canceled", err)
	}
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Token(); !errors.Is(err, m2m.ErrClosed) {
		t.Fatalf("Token after Close: %v, want ErrClosed", err)
	}
}

// The source prints without its secret.
func TestTokenSourceString(t *testing.T) {
	iss, _ := newIssuer(t)
	ts := m2mtest.NewSource(t, sourceConfig(iss, nil))
	for _, s := range []string{fmt.Sprint(ts), fmt.Sprintf("%+v", ts), fmt.Sprintf("%#v", ts)} {
		if strings.Contains(s, testSecret) {
			t.Fatalf("%q shows the secret", s)
		}
	}
}

func TestNewValidates(t *testing.T) {
	iss, _ := newIssuer(t)
	tests := []struct {
		name   string
		modify func(*m2m.Config)
		want   string
	}{
		{"no token URL", func(c *m2m.Config) { c.TokenURL = "" }, "TokenURL is required"},
		{"plain http off loopback", func(c *m2m.Config) { c.TokenURL = "http://example.com/oauth/token" }, "plain http"},
		{"no client id", func(c *m2m.Config) { c.ClientID = "" }, "ClientID and Config.ClientSecret are required"},
		{"no secret", func(c *m2m.Config) { c.ClientSecret = "" }, "ClientID and Config.ClientSecret are required"},
		{"reserved parameter", func(c *m2m.Config) { c.EndpointParams = map[string][]string{"audience": {"x"}} }, `must not set "audience"`},
		{"scopes in one string", func(c *m2m.Config) { c.Scopes = []string{"read write"} }, `Config.Scopes: "read write" is not one scope`},
		{"empty scope", func(c *m2m.Config) { c.Scopes = []string{"read", ""} }, `Config.Scopes: "" is not one scope`},
		{"plain http names the setting", func(c *m2m.Config) { c.TokenURL = "http://example.com/oauth/token" }, "set Config.InsecureAllowHTTP"},
		{"threshold 1", func(c *m2m.Config) { c.Threshold = 1 }, "Threshold must be in (0,1)"},
		{"negative threshold", func(c *m2m.Config) { c.Threshold = -0.5 }, "Threshold must be in (0,1)"},
		{"negative lifetime", func(c *m2m.Config) { c.AssumedLifetime = -1 }, "must not be negative"},
		{"negative timeout", func(c *m2m.Config) { c.Timeout = -1 }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sourceConfig(iss, nil)
			tt.modify(&cfg)
			ts, err := m2m.New(cfg)
			if err == nil {
				ts.Close()
				t.Fatal("New accepted the config")
			}
			if !strings.HasPrefix(err.Error(), "m2m: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want an m2m error containing %q", err, tt.want)
			}
		})
	}
}

// BenchmarkTokenSourceToken measures the hot path: a token held, many
// goroutines asking.
func BenchmarkTokenSourceToken(b *testing.B) {
	iss, _ := newIssuer(b)
	ts := m2mtest.NewSource(b, sourceConfig(iss, nil))
	if _, err := ts.Token(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ts.Token(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Resource is sent as RFC 8707 resource parameters, one per URI; an RFC
// 8707 issuer's token is then for those APIs, and a different Resource is
// a different token.
func TestResource(t *testing.T) {
	iss, _ := newIssuer(t)
	var got url.Values
	iss.OnRequest(func(r *http.Request) {
		if r.URL.Path == testissuer.TokenPath {
			got = r.Form
		}
	})
	cfg := sourceConfig(iss, nil)
	cfg.Audience = ""
	cfg.Resource = []string{"https://api.example.com/orders", "https://api.example.com/billing"}
	ts := m2mtest.NewSource(t, cfg)
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["resource"], cfg.Resource) || got.Has("audience") {
		t.Fatalf("token request parameters %v, want resource=%q and no audience", got, cfg.Resource)
	}
	c := verifyToken(t, iss, tok.AccessToken, cfg.Resource[1])
	if !slices.Contains(c.Audience(), cfg.Resource[0]) || !slices.Contains(c.Audience(), cfg.Resource[1]) {
		t.Fatalf("token audience %q, want the resources", c.Audience())
	}

	for _, bad := range []string{"orders", "/orders", "https://api.example.com/#x", "%"} {
		cfg.Resource = []string{bad}
		if _, err := m2m.New(cfg); err == nil || !strings.Contains(err.Error(), "Config.Resource") {
			t.Errorf("Resource %q: %v, want an error naming Config.Resource", bad, err)
		}
	}
	cfg.Resource, cfg.EndpointParams = nil, url.Values{"resource": {"https://x"}}
	if _, err := m2m.New(cfg); err == nil {
		t.Error("EndpointParams setting resource accepted")
	}
}
