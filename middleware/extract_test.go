package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/middleware"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		invalid bool // middleware.ErrInvalidRequest
	}{
		{name: "no header"},
		{name: "canonical", headers: []string{"Bearer abc.def.ghi"}, want: "abc.def.ghi"},
		{name: "lower case scheme", headers: []string{"bearer abc.def.ghi"}, want: "abc.def.ghi"},
		{name: "upper case scheme", headers: []string{"BEARER abc.def.ghi"}, want: "abc.def.ghi"},
		{name: "several spaces", headers: []string{"Bearer   abc.def.ghi"}, want: "abc.def.ghi"},
		{name: "b64token alphabet and padding", headers: []string{"Bearer aZ09-._~+/=="}, want: "aZ09-._~+/=="},
		{name: "basic scheme is no token", headers: []string{"Basic YWxpY2U6c2VjcmV0"}},
		{name: "unknown scheme is no token", headers: []string{"Bearerish abc"}},
		{name: "bare other scheme is no token", headers: []string{"Negotiate"}},
		{name: "two headers", headers: []string{"Bearer abc", "Bearer abc"}, invalid: true},
		{name: "bearer and basic headers", headers: []string{"Bearer abc", "Basic YWxpY2U6c2VjcmV0"}, invalid: true},
		{name: "empty header", headers: []string{""}, invalid: true},
		{name: "no scheme", headers: []string{" abc"}, invalid: true},
		{name: "bearer without token", headers: []string{"Bearer"}, invalid: true},
		{name: "bearer with empty token", headers: []string{"Bearer "}, invalid: true},
		{name: "two tokens", headers: []string{"Bearer abc def"}, invalid: true},
		{name: "trailing garbage", headers: []string{"Bearer abc.def.ghi, x"}, invalid: true},
		{name: "trailing space", headers: []string{"Bearer abc "}, invalid: true},
		{name: "tab separator", headers: []string{"Bearer\tabc"}, invalid: true},
		{name: "non-token68 character", headers: []string{"Bearer abc$def"}, invalid: true},
		{name: "padding inside", headers: []string{"Bearer ab=cd"}, invalid: true},
		{name: "only padding", headers: []string{"Bearer =="}, invalid: true},
		{name: "quoted token", headers: []string{`Bearer "abc"`}, invalid: true},
		{name: "non-ASCII", headers: []string{"Bearer abcé"}, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, h := range tt.headers {
				req.Header.Add("Authorization", h)
			}
			got, err := middleware.BearerToken(req)
			if tt.invalid {
				if !errors.Is(err, middleware.ErrInvalidRequest) || got != "" {
					t.Fatalf("BearerToken = %q, %v; want ErrInvalidRequest", got, err)
				}
				if middleware.Status(err) != http.StatusBadRequest {
					t.Errorf("Status(%v) = %d, want 400", err, middleware.Status(err))
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("BearerToken = %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

func TestSchemeIsCaseInsensitive(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	h := m.Handler(echo)
	tok := token("alice", nil)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		t.Run(scheme, func(t *testing.T) {
			rec := serve(h, http.MethodGet, "/", scheme+" "+tok)
			if rec.Code != http.StatusOK || rec.Body.String() != "alice" {
				t.Fatalf("status %d, body %q; want 200 alice", rec.Code, rec.Body)
			}
		})
	}
}

// TestHugeAuthorizationHeader sends 1 MiB of token through a real server:
// the verifier's size limit rejects it as invalid_token before anything
// is parsed or fetched.
func TestHugeAuthorizationHeader(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	srv := httptest.NewUnstartedServer(m.Handler(mustNotCall(t)))
	srv.Config.MaxHeaderBytes = 2 << 20
	srv.Start()
	defer srv.Close()

	before := plain.Fetches() + ruled.Fetches() + down.Fetches()
	tok := strings.Repeat("A", 1<<20)
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `Bearer realm="test", error="invalid_token", error_description="the access token is invalid"`
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("status %d, WWW-Authenticate %q; want 401, %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
	}
	if n := plain.Fetches() + ruled.Fetches() + down.Fetches() - before; n != 0 {
		t.Errorf("%d JWKS fetches for an oversized token, want 0", n)
	}
}

func TestCookieToken(t *testing.T) {
	m := newMiddleware(t, middleware.Config{Extractor: middleware.CookieToken("session")})
	h := m.Handler(echo)
	tests := []struct {
		name   string
		cookie string // value of cookie "session"; "" for none
		auth   string
		status int
		code   string
	}{
		{name: "valid cookie", cookie: token("alice", nil), status: 200},
		{name: "no cookie", status: 401, code: "unauthorized"},
		{name: "Authorization header is not looked at", auth: "Bearer " + token("alice", nil), status: 401, code: "unauthorized"},
		{name: "bad token in cookie", cookie: "malformedheader.malformedpayload.malformedsignature", status: 401, code: "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "other", Value: "x"})
				req.AddCookie(&http.Cookie{Name: "session", Value: tt.cookie})
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 {
				if rec.Body.String() != "alice" {
					t.Errorf("body %q, want alice", rec.Body)
				}
				return
			}
			if b := decodeError(t, rec.Body.String()); b.Error != tt.code {
				t.Errorf("error %q, want %q", b.Error, tt.code)
			}
		})
	}
}

func TestHeaderToken(t *testing.T) {
	m := newMiddleware(t, middleware.Config{Extractor: middleware.HeaderToken("x-api-token")})
	h := m.Handler(echo)
	tok := token("alice", nil)
	tests := []struct {
		name   string
		values []string
		status int
	}{
		{"valid", []string{tok}, 200},
		{"surrounding spaces", []string{"  " + tok + " "}, 200},
		{"absent", nil, 401},
		{"empty", []string{""}, 401},
		{"two headers", []string{tok, tok}, 400},
		{"bearer prefix is part of the value", []string{"Bearer " + tok}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.values {
				req.Header.Add("X-Api-Token", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 && rec.Body.String() != "alice" {
				t.Errorf("body %q, want alice", rec.Body)
			}
		})
	}
}
