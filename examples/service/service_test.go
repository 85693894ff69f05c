package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// Two replicas of the service over one Redis, against the stand-ins of
// -demo: the pool's keys are fetched once for both, scopes are checked
// per route, and the billing calls of both share one client-credentials
// token. REDIS_ADDR, if set, is a real Redis; else an in-memory one.
func TestService(t *testing.T) {
	d, err := startDemo(os.Getenv("REDIS_ADDR"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var replicas []*service
	for range 2 {
		s, err := newService(context.Background(), d.config("127.0.0.1:0"), logger)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		replicas = append(replicas, s)
	}
	if n := d.pool.Fetches(); n != 1 {
		t.Errorf("two replicas started: %d fetches of the pool's keys, want 1 (the second reads Redis)", n)
	}

	read, write := d.token("orders/read"), d.token("orders/read orders/write")
	tests := []struct {
		method, token string
		want          int
	}{
		{http.MethodGet, "", 401},
		{http.MethodGet, "not-a-token", 401},
		{http.MethodGet, read, 200},
		{http.MethodPost, read, 403},
		{http.MethodPost, write, 201},
		{http.MethodPost, write, 201},
	}
	for i, s := range replicas {
		for _, tt := range tests {
			req := httptest.NewRequest(tt.method, "/api/orders", nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			s.handler.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("replica %d: %s with %.12q: %d %s, want %d", i, tt.method, tt.token, rec.Code, rec.Body, tt.want)
			}
		}
	}
	if n := d.charges.Load(); n != 4 {
		t.Errorf("billing accepted %d charges, want 4", n)
	}
	if n := d.idp.Mints(); n != 1 {
		t.Errorf("%d client-credentials tokens minted for two replicas, want 1", n)
	}

	rec := httptest.NewRecorder()
	replicas[1].handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, series := range []string{
		`jwtguard_jwt_verifications_total{issuer="` + d.pool.Issuer() + `",reason="none",result="success"} 4`,
		`,result="updated",source="store",`, // the second replica's keys came from Redis
		`jwtguard_m2m_token_requests_total{result="shared",source="billing",trigger="initial"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), series) {
			t.Errorf("/metrics of the second replica lacks %s", series)
		}
	}
}

// TestMain fails the package if a test leaves a goroutine behind: the
// program's Verifier (and everything else it starts) must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
