package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

func TestNew(t *testing.T) {
	v := newVerifier(t)
	tests := []struct {
		name string
		cfg  middleware.Config
		ok   bool
	}{
		{"defaults", middleware.Config{Verifier: v}, true},
		{"no verifier", middleware.Config{}, false},
		{"realm with newline", middleware.Config{Verifier: v, Realm: "api\r\nX-Evil: 1"}, false},
		{"realm with DEL", middleware.Config{Verifier: v, Realm: "api\x7f"}, false},
		{"realm with quote and tab", middleware.Config{Verifier: v, Realm: "my \"api\"\tv2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := middleware.New(tt.cfg)
			if tt.ok != (err == nil) || (m == nil) == tt.ok {
				t.Fatalf("New = %v, %v; want ok %v", m, err, tt.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "middleware: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
	t.Run("default realm", func(t *testing.T) {
		m, err := middleware.New(middleware.Config{Verifier: v})
		if err != nil {
			t.Fatal(err)
		}
		if got := serve(m.Handler(echo), http.MethodGet, "/", "").Header().Get("WWW-Authenticate"); got != `Bearer realm="api"` {
			t.Errorf("WWW-Authenticate %q, want realm \"api\"", got)
		}
	})
}

func TestCredentialsOptional(t *testing.T) {
	m := newMiddleware(t, middleware.Config{CredentialsOptional: true})
	h := m.Handler(echo)
	tests := []struct {
		name   string
		auth   string
		status int
		body   string
	}{
		{"no token: no claims", "", 200, "-"},
		{"other scheme: no claims", "Basic YWxpY2U6c2VjcmV0", 200, "-"},
		{"valid token: claims", "Bearer " + token("alice", nil), 200, "alice"},
		{"bad token is still rejected", "Bearer " + badSignature(), 401, ""},
		{"expired token is still rejected", "Bearer " + plain.Sign("", plain.Claims("alice", "api", -time.Minute, nil)), 401, ""},
		{"malformed header is still rejected", "Bearer a b", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, http.MethodGet, "/", tt.auth)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body)
			}
			if tt.body != "" && rec.Body.String() != tt.body {
				t.Errorf("body %q, want %q", rec.Body, tt.body)
			}
		})
	}
	t.Run("guard after it answers 401 without claims", func(t *testing.T) {
		rec := serve(m.Handler(m.RequireScopes("read")(mustNotCall(t))), http.MethodGet, "/", "")
		if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="test"` {
			t.Fatalf("status %d, WWW-Authenticate %q; want 401 realm only", rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	})
}

func TestPreflight(t *testing.T) {
	preflight := func(r *http.Request) {
		r.Header.Set("Origin", "https://app.example")
		r.Header.Set("Access-Control-Request-Method", "POST")
	}
	tests := []struct {
		name    string
		pass    bool
		method  string
		prepare func(*http.Request)
		status  int
	}{
		{"preflight needs a token by default", false, http.MethodOptions, preflight, 401},
		{"preflight passes with PassPreflight", true, http.MethodOptions, preflight, 200},
		{"plain OPTIONS needs a token", true, http.MethodOptions, func(*http.Request) {}, 401},
		{"OPTIONS with Origin only needs a token", true, http.MethodOptions, func(r *http.Request) { r.Header.Set("Origin", "https://app.example") }, 401},
		{"GET with preflight headers needs a token", true, http.MethodGet, preflight, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMiddleware(t, middleware.Config{PassPreflight: tt.pass})
			req := httptest.NewRequest(tt.method, "/", nil)
			tt.prepare(req)
			rec := httptest.NewRecorder()
			// A guard behind the middleware lets the preflight through too.
			m.Handler(m.RequireScopes("write")(echo)).ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.status == 200 && rec.Body.String() != "-" {
				t.Errorf("preflight reached the handler with claims: body %q", rec.Body)
			}
		})
	}
}

func TestErrorHandler(t *testing.T) {
	var got error
	m := newMiddleware(t, middleware.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("custom"))
	}})
	tests := []struct {
		name     string
		auth     string
		guard    func(http.Handler) http.Handler
		category error
		reason   string
	}{
		{"no token", "", nil, provider.ErrNoToken, "no_token"},
		{"malformed header", "Bearer a b", nil, middleware.ErrInvalidRequest, "invalid_request"},
		{"expired", "Bearer " + plain.Sign("", plain.Claims("alice", "api", -time.Minute, nil)), nil, provider.ErrInvalidToken, "expired"},
		{"unknown issuer", "Bearer " + plain.Sign("", jwt.MapClaims{"iss": "https://evil.example/", "exp": time.Now().Add(time.Hour).Unix()}), nil, provider.ErrInvalidToken, "unknown_issuer"},
		{"keys unavailable", "Bearer " + down.Token("alice", "api", nil), nil, provider.ErrKeysUnavailable, "keys_unavailable"},
		{"guard: missing scope", "Bearer " + token("alice", nil), m.RequireScopes("admin"), provider.ErrInsufficientScope, "insufficient_scope"},
		{"guard: missing group", "Bearer " + token("alice", nil), m.RequireGroups("admins"), provider.ErrInsufficientScope, "insufficient_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			next := mustNotCall(t)
			if tt.guard != nil {
				next = tt.guard(next)
			}
			rec := serve(m.Handler(next), http.MethodGet, "/", tt.auth)
			if !errors.Is(got, tt.category) || provider.Reason(got) != tt.reason {
				t.Errorf("ErrorHandler got %v (reason %q), want %v (reason %q)", got, provider.Reason(got), tt.category, tt.reason)
			}
			if rec.Code != http.StatusTeapot || rec.Body.String() != "custom" {
				t.Errorf("response %d %q, want the ErrorHandler's", rec.Code, rec.Body)
			}
			for _, h := range []string{"WWW-Authenticate", "Retry-After", "Cache-Control"} {
				if v := rec.Header().Get(h); v != "" {
					t.Errorf("default header %s: %q leaked into the custom response", h, v)
				}
			}
		})
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newMiddleware(t, middleware.Config{Logger: log})
	tests := []struct {
		name  string
		tok   string
		guard bool
		want  []string
	}{
		{"expired", plain.Sign("", plain.Claims("alice", "api", -time.Minute, nil)), false,
			[]string{"level=DEBUG", "reason=expired", "method=GET", "path=/orders"}},
		{"bad signature", badSignature(), false, []string{"level=DEBUG", "reason=signature"}},
		{"missing scope", token("alice", nil), true, []string{"level=DEBUG", "reason=insufficient_scope"}},
		{"keys unavailable", down.Token("alice", "api", nil), false, []string{"level=DEBUG", "reason=keys_unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			next := mustNotCall(t)
			if tt.guard {
				next = m.RequireScopes("admin")(next)
			}
			serve(m.Handler(next), http.MethodGet, "/orders", "Bearer "+tt.tok)
			line := buf.String()
			if strings.Count(line, "\n") != 1 {
				t.Fatalf("log %q, want one line", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("log %q lacks %q", line, w)
				}
			}
			assertNoToken(t, "log", line, tt.tok)
		})
	}
	t.Run("accepted request is not logged", func(t *testing.T) {
		buf.Reset()
		if rec := serve(m.Handler(echo), http.MethodGet, "/", "Bearer "+token("alice", nil)); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		if buf.Len() != 0 {
			t.Errorf("log %q, want nothing", buf.String())
		}
	})
}

func TestContext(t *testing.T) {
	if c := middleware.FromContext(context.Background()); c != nil {
		t.Fatalf("FromContext(empty context) = %+v, want nil", c)
	}
	want := parseClaims(t, `{"sub":"alice","scope":"read"}`)
	ctx := middleware.NewContext(context.Background(), want)
	if got := middleware.FromContext(ctx); got != want {
		t.Fatalf("FromContext = %+v, want %+v", got, want)
	}
	// A context from NewContext passes the guards like one from Handler.
	m := newMiddleware(t, middleware.Config{})
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	m.RequireScopes("read")(echo).ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != "alice" {
		t.Fatalf("guard over NewContext: %d %q, want 200 alice", rec.Code, rec.Body)
	}
	// The key is unexported: a string key of the same name is not it.
	type other string
	if c := middleware.FromContext(context.WithValue(context.Background(), other("claims"), want)); c != nil {
		t.Errorf("FromContext found claims under a foreign key")
	}
}

// A handler that edits the claims it was given changes nothing for the
// next request with the same token, which the verifier answers from its
// token cache with the same claims.
func TestClaimsMutatedByAHandler(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	tok := token("alice", jwt.MapClaims{"scope": "read"})
	var seen []*provider.Claims
	h := m.Handler(m.RequireScopes("read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := middleware.FromContext(r.Context())
		seen = append(seen, c)
		scopes := c.Scopes()
		scopes[0] = "admin"
		_ = append(scopes, "write")
		fmt.Fprint(w, c.Subject())
	})))
	for i := range 3 {
		if rec := serve(h, http.MethodGet, "/", "Bearer "+tok); rec.Code != 200 || rec.Body.String() != "alice" {
			t.Fatalf("request %d: %d %q", i, rec.Code, rec.Body)
		}
	}
	if seen[0] != seen[2] {
		t.Fatal("the repeated token was not served from the token cache")
	}
	if c := seen[2]; !c.HasScope("read") || c.HasScope("admin") || c.HasScope("write") {
		t.Fatalf("scopes after a handler edited them: %q", c.Scopes())
	}
}
