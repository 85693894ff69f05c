package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

func TestGuards(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	claims := parseClaims(t, `{"sub":"alice","scope":"read write","groups":["staff"]}`)
	tests := []struct {
		name  string
		guard func(http.Handler) http.Handler
		pass  bool
		scope string // scope in the 403 challenge
	}{
		{"scopes: all held", m.RequireScopes("read", "write"), true, ""},
		{"scopes: one missing", m.RequireScopes("read", "admin"), false, "read admin"},
		{"scopes: prefix is not a match", m.RequireScopes("rea"), false, "rea"},
		{"any scope: one held", m.RequireAnyScope("admin", "write"), true, ""},
		{"any scope: none held", m.RequireAnyScope("admin", "root"), false, "admin root"},
		{"groups: held", m.RequireGroups("staff"), true, ""},
		{"groups: one missing", m.RequireGroups("staff", "admins"), false, ""},
		{"any group: one held", m.RequireAnyGroup("admins", "staff"), true, ""},
		{"any group: none held", m.RequireAnyGroup("admins"), false, ""},
		{"groups are not scopes", m.RequireGroups("read"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := tt.guard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
			req := httptest.NewRequestWithContext(middleware.NewContext(context.Background(), claims), http.MethodGet, "/", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if called != tt.pass {
				t.Fatalf("next called %v, want %v", called, tt.pass)
			}
			if tt.pass {
				if rec.Code != 200 {
					t.Errorf("status %d, want 200", rec.Code)
				}
				return
			}
			want := `Bearer realm="test", error="insufficient_scope", error_description="insufficient scope"`
			if tt.scope != "" {
				want += `, scope="` + tt.scope + `"`
			}
			if rec.Code != 403 || rec.Header().Get("WWW-Authenticate") != want {
				t.Errorf("%d %q, want 403 %q", rec.Code, rec.Header().Get("WWW-Authenticate"), want)
			}
			if b := decodeError(t, rec.Body.String()); b.Error != "insufficient_scope" {
				t.Errorf("body error %q, want insufficient_scope", b.Error)
			}
		})
	}
	t.Run("without claims", func(t *testing.T) {
		for _, g := range []func(http.Handler) http.Handler{
			m.RequireScopes("read"), m.RequireAnyScope("read"), m.RequireGroups("staff"),
			m.RequireAnyGroup("staff"),
		} {
			rec := serve(g(mustNotCall(t)), http.MethodGet, "/", "Bearer "+token("alice", nil))
			if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="test"` {
				t.Errorf("%d %q, want 401 with the realm only", rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
		}
	})
}

// TestGuardsEndToEnd runs real tokens through Handler and the guards.
func TestGuardsEndToEnd(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	tests := []struct {
		name   string
		guard  func(http.Handler) http.Handler
		extra  jwt.MapClaims
		status int
	}{
		{"scope string", m.RequireScopes("orders:read"), jwt.MapClaims{"scope": "openid orders:read"}, 200},
		{"scp array", m.RequireScopes("orders:read"), jwt.MapClaims{"scp": []string{"orders:read"}}, 200},
		{"no scope claim", m.RequireAnyScope("orders:read"), nil, 403},
		{"cognito groups", m.RequireGroups("admins"), jwt.MapClaims{"cognito:groups": []string{"admins", "staff"}}, 200},
		{"groups claim", m.RequireAnyGroup("admins", "ops"), jwt.MapClaims{"groups": "ops"}, 200},
		{"wrong group", m.RequireGroups("admins"), jwt.MapClaims{"groups": []string{"staff"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(m.Handler(tt.guard(echo)), http.MethodGet, "/", "Bearer "+token("alice", tt.extra))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 && rec.Body.String() != "alice" {
				t.Errorf("body %q, want alice", rec.Body)
			}
		})
	}
}

func TestGuardPanicsOnBadConfig(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	tests := []struct {
		name  string
		build func()
	}{
		{"no scopes", func() { m.RequireScopes() }},
		{"no any-scope", func() { m.RequireAnyScope() }},
		{"empty scope", func() { m.RequireScopes("read", "") }},
		{"scope with space", func() { m.RequireScopes("read write") }},
		{"scope with quote", func() { m.RequireAnyScope(`read"`) }},
		{"scope with backslash", func() { m.RequireScopes(`read\`) }},
		{"no groups", func() { m.RequireGroups() }},
		{"empty group", func() { m.RequireAnyGroup("") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "middleware: ") {
					t.Errorf("recovered %v, want a panic starting with the package name", r)
				}
			}()
			tt.build()
		})
	}
	t.Run("guard copies its arguments", func(t *testing.T) {
		scopes := []string{"read"}
		g := m.RequireScopes(scopes...)
		scopes[0] = "admin"
		ctx := middleware.NewContext(context.Background(), parseClaims(t, `{"scope":"read"}`))
		rec := httptest.NewRecorder()
		g(echo).ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil))
		if rec.Code != 200 {
			t.Errorf("status %d after the caller changed its slice, want 200", rec.Code)
		}
	})
}

// Require runs a rule of your own on every request: its error is answered
// by its category, and a request without claims gets the no-token 401.
func TestRequire(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	revoked := map[string]bool{"mallory": true}
	calls := 0
	guard := m.Require(func(c *provider.Claims) error {
		calls++
		switch {
		case revoked[c.Subject()]:
			return fmt.Errorf("%w: subject revoked", provider.ErrInvalidToken)
		case c.Subject() != "alice":
			return fmt.Errorf("%w: alice only", provider.ErrInsufficientScope)
		}
		return nil
	})
	h := m.Handler(guard(echo))
	tests := []struct {
		sub  string
		code int
	}{{"alice", 200}, {"bob", 403}, {"mallory", 401}, {"alice", 200}}
	for _, tt := range tests {
		if rec := serve(h, http.MethodGet, "/", "Bearer "+token(tt.sub, nil)); rec.Code != tt.code {
			t.Errorf("%s: %d, want %d", tt.sub, rec.Code, tt.code)
		}
	}
	if calls != len(tests) {
		t.Errorf("rule ran %d times for %d requests", calls, len(tests))
	}
	if rec := serve(guard(echo), http.MethodGet, "/", ""); rec.Code != 401 || calls != len(tests) {
		t.Errorf("without claims: %d (rule ran %d times), want 401 without the rule", rec.Code, calls)
	}
	defer func() {
		if recover() == nil {
			t.Error("Require(nil) did not panic")
		}
	}()
	m.Require(nil)
}
