package auth0_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// TestPermissions reads the permissions claim: an array of strings, by its
// exact name; anything else grants nothing.
func TestPermissions(t *testing.T) {
	tests := []struct {
		claims string
		want   []string // nil: none
	}{
		{`{"permissions":["read:orders","write:orders"]}`, []string{"read:orders", "write:orders"}},
		{`{"permissions" : [ "read:orders" , "write:orders" ] }`, []string{"read:orders", "write:orders"}},
		{`{"permissions":["read\u003aorders"]}`, []string{"read:orders"}},
		{`{"permissions":["a",1,null,"",{},["b"],true,"b"]}`, []string{"a", "b"}},
		{`{"permissions":["read",null,""]}`, []string{"read"}},
		{`{"permissions":["x"],"permissions":["y"]}`, []string{"y"}}, // the last, as everywhere
		{`{"permissions":[]}`, nil},
		{`{"permissions":[""]}`, nil},
		{`{"permissions":"read:orders"}`, nil}, // Auth0 writes an array
		{`{"permissions":null}`, nil},
		{`{"permissions":5}`, nil},
		{`{"permissions":true}`, nil},
		{`{"permissions":{"read:orders":true}}`, nil},
		{`{}`, nil},
		{`{"PERMISSIONS":["x"],"Permissions":["x"]}`, nil},     // names are case-sensitive
		{`{"permi\u017f\u017fion\u017f":["delete:all"]}`, nil}, // no Unicode folding
		{`{"scope":"read:orders"}`, nil},                       // a scope is no permission
	}
	for _, tt := range tests {
		c, err := provider.ParseClaims([]byte(tt.claims))
		if err != nil {
			t.Fatalf("%s: %v", tt.claims, err)
		}
		got := auth0.Permissions(c)
		if !slices.Equal(got, tt.want) || tt.want == nil && got != nil {
			t.Errorf("Permissions(%s) = %#v, want %#v", tt.claims, got, tt.want)
		}
	}

	// The claims are shared: what Permissions returns is the caller's.
	c, _ := provider.ParseClaims([]byte(`{"permissions":["read:orders"]}`))
	auth0.Permissions(c)[0] = "admin"
	if got := auth0.Permissions(c); !slices.Equal(got, []string{"read:orders"}) {
		t.Errorf("after a caller changed its copy: %q", got)
	}
}

// api is an API of an Auth0 tenant (testissuer.NewAuth0) behind the
// middleware, with realm "test".
func newAuth0API(t *testing.T, cfg middleware.Config) (*testissuer.Issuer, *middleware.Middleware) {
	t.Helper()
	idp := testissuer.NewAuth0()
	t.Cleanup(idp.Close)
	p, err := auth0.New(auth0.Config{Domain: idp.Domain(), Audiences: []string{api}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Cache:     cache.Config{HTTPClient: idp.Server.Client()},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	cfg.Verifier, cfg.Realm = v, "test"
	mw, err := middleware.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return idp, mw
}

// serve sends GET / with token ("" for none) to h.
func serve(h http.Handler, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte(middleware.FromContext(r.Context()).Subject()))
})

// TestRequirePermissions runs Auth0 tokens through the middleware and the
// permission rules: a missing permission is a 403 insufficient_scope
// whose challenge names no scope (permissions are not scopes).
func TestRequirePermissions(t *testing.T) {
	idp, mw := newAuth0API(t, middleware.Config{})
	withClaims := func(extra jwt.MapClaims) string { return idp.Token("auth0|alice", api, extra) }
	tests := []struct {
		name  string
		rule  func(*provider.Claims) error
		token string
		pass  bool
	}{
		{"held", auth0.RequirePermissions("read:orders"), idp.Auth0Token("auth0|alice", api, "read:orders"), true},
		{"all held, in another order", auth0.RequirePermissions("read:orders", "write:orders"), idp.Auth0Token("auth0|alice", api, "write:orders", "read:orders"), true},
		{"one missing", auth0.RequirePermissions("read:orders", "write:orders"), idp.Auth0Token("auth0|alice", api, "read:orders"), false},
		{"any: one held", auth0.RequireAnyPermission("write:orders", "read:orders"), idp.Auth0Token("auth0|alice", api, "read:orders"), true},
		{"any: none held", auth0.RequireAnyPermission("write:orders", "delete:orders"), idp.Auth0Token("auth0|alice", api, "read:orders"), false},
		{"no permissions", auth0.RequireAnyPermission("read:orders"), idp.Auth0Token("auth0|alice", api), false},
		{"a prefix is not a match", auth0.RequirePermissions("read"), idp.Auth0Token("auth0|alice", api, "read:orders"), false},
		{"a scope is not a permission", auth0.RequirePermissions("read:orders"), withClaims(jwt.MapClaims{"scope": "read:orders"}), false},
		{"a group is not a permission", auth0.RequirePermissions("read:orders"), withClaims(jwt.MapClaims{"groups": []string{"read:orders"}}), false},
		{"permissions a string", auth0.RequirePermissions("read:orders"), withClaims(jwt.MapClaims{"permissions": "read:orders"}), false},
		{"odd elements skipped", auth0.RequirePermissions("read:orders"), withClaims(jwt.MapClaims{"permissions": []any{1, nil, "", "read:orders"}}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(mw.Handler(mw.Require(tt.rule)(whoami)), tt.token)
			if tt.pass {
				if rec.Code != 200 || rec.Body.String() != "auth0|alice" {
					t.Errorf("%d %q, want 200 auth0|alice", rec.Code, rec.Body)
				}
				return
			}
			want := `Bearer realm="test", error="insufficient_scope", error_description="insufficient scope"`
			if rec.Code != 403 || rec.Header().Get("WWW-Authenticate") != want {
				t.Errorf("%d %q, want 403 %q", rec.Code, rec.Header().Get("WWW-Authenticate"), want)
			}
			if body := rec.Body.String(); !strings.Contains(body, `"error":"insufficient_scope"`) {
				t.Errorf("body %q, want error insufficient_scope", body)
			}
		})
	}

	t.Run("without claims", func(t *testing.T) {
		// No Handler before the guard: the no-token 401, the rule not run.
		for _, rule := range []func(*provider.Claims) error{auth0.RequirePermissions("read:orders"), auth0.RequireAnyPermission("read:orders")} {
			rec := serve(mw.Require(rule)(whoami), idp.Auth0Token("auth0|alice", api, "read:orders"))
			if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="test"` {
				t.Errorf("%d %q, want 401 with the realm only", rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
		}
	})
}

// TestRequirePermissionsError: the rule's error, as an ErrorHandler sees
// it, is ErrInsufficientScope naming what the rule wants.
func TestRequirePermissionsError(t *testing.T) {
	var got error
	idp, mw := newAuth0API(t, middleware.Config{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(middleware.Status(err))
	}})
	token := idp.Auth0Token("auth0|alice", api, "read:orders")
	tests := []struct {
		rule func(*provider.Claims) error
		want string
	}{
		{auth0.RequirePermissions("read:orders", "write:orders"), `provider: insufficient scope: want all of ["read:orders" "write:orders"]`},
		{auth0.RequireAnyPermission("write:orders"), `provider: insufficient scope: want one of ["write:orders"]`},
	}
	for _, tt := range tests {
		got = nil
		rec := serve(mw.Handler(mw.Require(tt.rule)(whoami)), token)
		if rec.Code != 403 || !errors.Is(got, provider.ErrInsufficientScope) || got.Error() != tt.want || provider.Reason(got) != "insufficient_scope" {
			t.Errorf("%d %v (reason %q), want 403 %q", rec.Code, got, provider.Reason(got), tt.want)
		}
	}
	// Called directly, a rule says nil or the same error.
	c, _ := provider.ParseClaims([]byte(`{"permissions":["read:orders"]}`))
	if err := auth0.RequireAnyPermission("read:orders", "write:orders")(c); err != nil {
		t.Errorf("rule on held permissions: %v", err)
	}
}

// TestPermissionRulesPanicOnBadConfig: no permission, or an empty one, is
// a programming error, like a bad route pattern.
func TestPermissionRulesPanicOnBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		build func()
	}{
		{"no permissions", func() { auth0.RequirePermissions() }},
		{"no any-permission", func() { auth0.RequireAnyPermission() }},
		{"empty permission", func() { auth0.RequirePermissions("read:orders", "") }},
		{"empty any-permission", func() { auth0.RequireAnyPermission("") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "auth0: ") {
					t.Errorf("recovered %v, want a panic starting with the package name", r)
				}
			}()
			tt.build()
		})
	}
	t.Run("rule copies its arguments", func(t *testing.T) {
		perms := []string{"read:orders"}
		rule := auth0.RequirePermissions(perms...)
		perms[0] = "admin"
		c, _ := provider.ParseClaims([]byte(`{"permissions":["read:orders"]}`))
		if err := rule(c); err != nil {
			t.Errorf("after the caller changed its slice: %v", err)
		}
	})
}

// TestPermissionRulePreflight: with PassPreflight, a CORS preflight passes
// the middleware and the rule without a token, as it passed the
// middleware's own guards.
func TestPermissionRulePreflight(t *testing.T) {
	_, mw := newAuth0API(t, middleware.Config{PassPreflight: true})
	called := false
	h := mw.Handler(mw.Require(auth0.RequirePermissions("read:orders"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })))
	req := httptest.NewRequestWithContext(context.Background(), http.MethodOptions, "/", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "DELETE")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !called || rec.Code != 200 {
		t.Errorf("preflight: next called %v, status %d; want called, 200", called, rec.Code)
	}
}

// A permission rule runs on every request: it reads the claim once (one
// copy, Lookup's) and compares the permissions where they lie.
func TestRequirePermissionsAllocs(t *testing.T) {
	c, err := provider.ParseClaims([]byte(`{"permissions":["read:orders","write:orders","delete:orders","read:invoices"]}`))
	if err != nil {
		t.Fatal(err)
	}
	rule := auth0.RequirePermissions("write:orders", "read:invoices")
	if err := rule(c); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = rule(c) }); n > 1 {
		t.Errorf("%v allocations a check, want at most 1", n)
	}
}

func BenchmarkRequirePermissions(b *testing.B) {
	c, err := provider.ParseClaims([]byte(`{"permissions":["read:orders","write:orders","delete:orders","read:invoices"]}`))
	if err != nil {
		b.Fatal(err)
	}
	rule := auth0.RequirePermissions("write:orders", "read:invoices")
	b.ReportAllocs()
	for b.Loop() {
		if rule(c) != nil {
			b.Fatal("refused")
		}
	}
}
