package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// challenge is the WWW-Authenticate value for realm "test" and an error
// code, description and scope ("" to leave each out).
func challenge(code, desc, scope string) string {
	s := `Bearer realm="test"`
	if code != "" {
		s += `, error="` + code + `", error_description="` + desc + `"`
	}
	if scope != "" {
		s += `, scope="` + scope + `"`
	}
	return s
}

const (
	descInvalid  = "the access token is invalid"
	descResource = "the access token is not meant for this resource"
	descKind     = "the token is not of the accepted kind (an ID token is no access token)"
)

// badSignature returns a token of plain whose signature belongs to another
// token.
func badSignature() string {
	a := strings.Split(token("alice", nil), ".")
	b := strings.Split(token("bob", nil), ".")
	return a[0] + "." + a[1] + "." + b[2]
}

func TestErrorTable(t *testing.T) {
	now := time.Now()
	ruledClaims := func(extra jwt.MapClaims) jwt.MapClaims {
		c := ruled.Claims("alice", "", time.Hour, jwt.MapClaims{"token_use": "access", "client_id": "app", "cognito:groups": []string{"staff"}})
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name       string
		auth       func(tok string) []string // Authorization header values; nil: "Bearer <tok>" if tok is set
		tok        string                    // the token sent, never to be echoed
		status     int
		challenge  string // "" means no WWW-Authenticate
		code, desc string // JSON body
	}{
		{name: "no token", status: 401, challenge: challenge("", "", ""),
			code: "unauthorized", desc: "authentication required"},
		{name: "other scheme", auth: func(string) []string { return []string{"Basic YWxpY2U6c2VjcmV0"} }, status: 401, challenge: challenge("", "", ""),
			code: "unauthorized", desc: "authentication required"},
		{name: "two Authorization headers", tok: token("alice", nil), status: 400,
			auth:      func(tok string) []string { return []string{"Bearer " + tok, "Bearer " + tok} },
			challenge: challenge("invalid_request", "malformed credentials", ""), code: "invalid_request", desc: "malformed credentials"},
		{name: "two tokens", tok: token("alice", nil), status: 400,
			auth:      func(tok string) []string { return []string{"Bearer " + tok + " " + tok} },
			challenge: challenge("invalid_request", "malformed credentials", ""), code: "invalid_request", desc: "malformed credentials"},
		{name: "malformed token", tok: "malformedheader.malformedpayload.malformedsignature", status: 401,
			challenge: challenge("invalid_token", descInvalid, ""), code: "invalid_token", desc: descInvalid},
		{name: "bad signature", tok: badSignature(), status: 401,
			challenge: challenge("invalid_token", descInvalid, ""), code: "invalid_token", desc: descInvalid},
		{name: "unknown key", tok: plain.Sign(retiredKID, plain.Claims("alice", "api", time.Hour, nil)), status: 401,
			challenge: challenge("invalid_token", descInvalid, ""), code: "invalid_token", desc: descInvalid},
		{name: "expired", tok: plain.Sign("", plain.Claims("alice", "api", -time.Hour, nil)), status: 401,
			challenge: challenge("invalid_token", "the access token expired", ""), code: "invalid_token", desc: "the access token expired"},
		{name: "not yet valid", tok: token("alice", jwt.MapClaims{"nbf": now.Add(time.Hour).Unix()}), status: 401,
			challenge: challenge("invalid_token", "the access token is not valid yet", ""), code: "invalid_token", desc: "the access token is not valid yet"},
		{name: "unknown issuer", tok: plain.Sign("", jwt.MapClaims{"iss": "https://evil.example/", "aud": "api", "sub": "alice", "exp": now.Add(time.Hour).Unix()}), status: 401,
			challenge: challenge("invalid_token", "the access token's issuer is not accepted", ""), code: "invalid_token", desc: "the access token's issuer is not accepted"},
		{name: "wrong audience", tok: plain.Token("alice", "other", nil), status: 401,
			challenge: challenge("invalid_token", descResource, ""), code: "invalid_token", desc: descResource},
		{name: "wrong token_use", tok: ruled.Sign("", ruledClaims(jwt.MapClaims{"token_use": "id"})), status: 401,
			challenge: challenge("invalid_token", descKind, ""), code: "invalid_token", desc: descKind},
		{name: "wrong client", tok: ruled.Sign("", ruledClaims(jwt.MapClaims{"client_id": "other"})), status: 401,
			challenge: challenge("invalid_token", descResource, ""), code: "invalid_token", desc: descResource},
		{name: "too large", tok: strings.Repeat("toolarge", 3<<10), status: 401,
			challenge: challenge("invalid_token", descInvalid, ""), code: "invalid_token", desc: descInvalid},
		{name: "missing scope", tok: token("alice", jwt.MapClaims{"scope": "read"}), status: 403,
			challenge: challenge("insufficient_scope", "insufficient scope", "read write"), code: "insufficient_scope", desc: "insufficient scope"},
		{name: "missing group (provider rule)", tok: ruled.Sign("", ruledClaims(jwt.MapClaims{"cognito:groups": []string{"guest"}})), status: 403,
			challenge: challenge("insufficient_scope", "insufficient scope", ""), code: "insufficient_scope", desc: "insufficient scope"},
		{name: "keys unavailable", tok: down.Token("alice", "api", jwt.MapClaims{"scope": "read write"}), status: 503,
			code: "temporarily_unavailable", desc: "the identity provider's keys are unavailable; retry later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMiddleware(t, middleware.Config{})
			h := m.Handler(m.RequireScopes("read", "write")(mustNotCall(t)))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			var auth []string
			switch {
			case tt.auth != nil:
				auth = tt.auth(tt.tok)
			case tt.tok != "":
				auth = []string{"Bearer " + tt.tok}
			}
			for _, a := range auth {
				req.Header.Add("Authorization", a)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			hdr := rec.Header()
			if got := hdr.Values("WWW-Authenticate"); tt.challenge == "" && len(got) != 0 || tt.challenge != "" && (len(got) != 1 || got[0] != tt.challenge) {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
			for name, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
				if got := hdr.Get(name); got != want {
					t.Errorf("%s %q, want %q", name, got, want)
				}
			}
			ra := hdr.Get("Retry-After")
			if tt.status == http.StatusServiceUnavailable {
				// The first failed fetch backs off MinRefreshInterval plus
				// up to 20% jitter; Retry-After is that in whole seconds.
				n, err := strconv.Atoi(ra)
				lo, hi := int(minRefresh.Seconds()), int((minRefresh + minRefresh/5).Seconds())
				if err != nil || n < lo || n > hi {
					t.Errorf("Retry-After %q, want %d to %d", ra, lo, hi)
				}
			} else if ra != "" {
				t.Errorf("Retry-After %q on %d", ra, rec.Code)
			}
			body := decodeError(t, rec.Body.String())
			if body.Error != tt.code || body.Description != tt.desc {
				t.Errorf("body %+v, want error %q, error_description %q", body, tt.code, tt.desc)
			}
			assertNoToken(t, "body", rec.Body.String(), tt.tok)
			for name, vs := range hdr {
				assertNoToken(t, name+" header", strings.Join(vs, "\n"), tt.tok)
			}
		})
	}
}

func TestValidTokenReachesHandler(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	var got *provider.Claims
	h := m.Handler(m.RequireScopes("read", "write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = middleware.FromContext(r.Context())
	})))
	rec := serve(h, http.MethodGet, "/", "Bearer "+token("alice", jwt.MapClaims{"scope": "write read admin"}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body)
	}
	if got == nil || got.Subject() != "alice" || got.Issuer() != plain.URL || !got.HasScope("admin") {
		t.Fatalf("claims %+v, want alice's from %s with scope admin", got, plain.URL)
	}
	if h := rec.Header().Get("WWW-Authenticate"); h != "" {
		t.Errorf("WWW-Authenticate %q on success", h)
	}
}

func TestKeysUnavailableBacksOff(t *testing.T) {
	m := newMiddleware(t, middleware.Config{})
	h := m.Handler(mustNotCall(t))
	auth := "Bearer " + down.Token("alice", "api", nil)
	before := down.Fetches()
	first := serve(h, http.MethodGet, "/", auth)
	second := serve(h, http.MethodGet, "/", auth)
	if first.Code != 503 || second.Code != 503 {
		t.Fatalf("statuses %d, %d, want 503, 503", first.Code, second.Code)
	}
	if n := down.Fetches() - before; n != 1 {
		t.Errorf("%d fetches, want 1: the second request must not fetch while the cache backs off", n)
	}
	r1, err1 := strconv.Atoi(first.Header().Get("Retry-After"))
	r2, err2 := strconv.Atoi(second.Header().Get("Retry-After"))
	if err1 != nil || err2 != nil || r2 < 1 || r2 > r1 {
		t.Errorf("Retry-After %q then %q, want whole seconds, the second in [1, first]",
			first.Header().Get("Retry-After"), second.Header().Get("Retry-After"))
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{provider.ErrNoToken, 401},
		{middleware.ErrInvalidRequest, 400},
		{provider.ErrInvalidToken, 401},
		{reasons.Signature, 401},
		{&provider.ExpiredError{Expiry: time.Unix(0, 0)}, 401},
		{provider.ErrInsufficientScope, 403},
		{reasons.MissingGroup, 403},
		{&provider.KeysUnavailableError{RetryAfter: time.Second}, 503},
		{errors.New("something else"), 401},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			if got := middleware.Status(tt.err); got != tt.want {
				t.Errorf("Status = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		realm      string
		err        error
		challenge  string
		retryAfter string
	}{
		{"realm quoted", `my "api" \ v2`, provider.ErrNoToken, `Bearer realm="my \"api\" \\ v2"`, ""},
		{"expired", "api", &provider.ExpiredError{Expiry: time.Unix(0, 0)},
			`Bearer realm="api", error="invalid_token", error_description="the access token expired"`, ""},
		{"retry after rounds up", "api", &provider.KeysUnavailableError{RetryAfter: 2100 * time.Millisecond}, "", "3"},
		{"retry after at least one second", "api", &provider.KeysUnavailableError{}, "", "1"},
		{"retry after without data", "api", provider.ErrKeysUnavailable, "", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMiddleware(t, middleware.Config{
				Realm:    tt.realm,
				Verifier: verifierFunc(func(context.Context, string) (*provider.Claims, error) { return nil, tt.err }),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					middleware.WriteError(w, r, err)
				},
			})
			rec := serve(m.Handler(mustNotCall(t)), http.MethodGet, "/", "Bearer a.b.c")
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			decodeError(t, rec.Body.String())
		})
	}

	// Outside a middleware's rejection: a Bearer challenge, no realm.
	rec := httptest.NewRecorder()
	middleware.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), provider.ErrNoToken)
	if got := rec.Header().Get("WWW-Authenticate"); rec.Code != 401 || got != `Bearer realm=""` {
		t.Errorf("WriteError on a request no middleware rejected: %d %q", rec.Code, got)
	}
}

// verifierFunc is a middleware.Verifier made of a function.
type verifierFunc func(context.Context, string) (*provider.Claims, error)

func (f verifierFunc) Verify(ctx context.Context, token string) (*provider.Claims, error) {
	return f(ctx, token)
}

// An ErrorHandler that hands a rejection to WriteError writes exactly what
// the default writes: realm, the scopes a guard required, the DPoP
// challenges and the server's nonce included.
func TestErrorHandlerFallsBackToDefault(t *testing.T) {
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	modes := map[string]middleware.DPoPConfig{
		"bearer only":   {},
		"DPoP allowed":  {Mode: middleware.DPoPAllowed, PublicURL: publicURL},
		"DPoP required": {Mode: middleware.DPoPRequired, PublicURL: publicURL, NonceSecret: []byte("the fleet's nonce secret, 32 bytes")},
	}
	requests := map[string]func() *http.Request{
		"no token": func() *http.Request { return dpopRequest("GET", "/orders", "", "") },
		"expired": func() *http.Request {
			return dpopRequest("GET", "/orders", "Bearer", plain.Sign("", plain.Claims("alice", "api", -time.Minute, nil)))
		},
		"missing scope": func() *http.Request { return dpopRequest("GET", "/orders", "Bearer", token("alice", nil)) },
		"DPoP without a nonce": func() *http.Request {
			return dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, ""))
		},
		"keys unavailable": func() *http.Request { return dpopRequest("GET", "/orders", "Bearer", down.Token("alice", "api", nil)) },
	}
	// What the table must have covered: each status, a guard's scope in a
	// challenge, a DPoP challenge, a server nonce, a Retry-After.
	covered := map[string]bool{}
	v := newVerifier(t) // one for both middlewares: one backoff for Retry-After
	for mname, d := range modes {
		def := newMiddleware(t, middleware.Config{Verifier: v, DPoP: d})
		custom := newMiddleware(t, middleware.Config{Verifier: v, DPoP: d, ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			middleware.WriteError(w, r, err)
		}})
		for rname, req := range requests {
			t.Run(mname+"/"+rname, func(t *testing.T) {
				var recs [2]*httptest.ResponseRecorder
				for i, m := range []*middleware.Middleware{def, custom} {
					recs[i] = httptest.NewRecorder()
					m.Handler(m.RequireScopes("orders:read")(mustNotCall(t))).ServeHTTP(recs[i], req())
				}
				a, b := recs[0], recs[1]
				ra, _ := strconv.Atoi(a.Header().Get("Retry-After"))
				rb, _ := strconv.Atoi(b.Header().Get("Retry-After"))
				if a.Code != b.Code || a.Body.String() != b.Body.String() ||
					!slices.Equal(a.Header().Values("WWW-Authenticate"), b.Header().Values("WWW-Authenticate")) ||
					(a.Header().Get("DPoP-Nonce") == "") != (b.Header().Get("DPoP-Nonce") == "") ||
					// The backoff's remaining time may round to the next second between the two.
					(ra == 0) != (rb == 0) || ra-rb > 1 || rb-ra > 1 {
					t.Errorf("default: %d %q %q nonce %q\nErrorHandler + WriteError: %d %q %q nonce %q",
						a.Code, a.Header().Values("WWW-Authenticate"), a.Body, a.Header().Get("DPoP-Nonce"),
						b.Code, b.Header().Values("WWW-Authenticate"), b.Body, b.Header().Get("DPoP-Nonce"))
				}
				covered[strconv.Itoa(b.Code)] = true
				challenges := strings.Join(b.Header().Values("WWW-Authenticate"), ", ")
				covered["scope"] = covered["scope"] || strings.Contains(challenges, `scope="orders:read"`)
				covered["DPoP challenge"] = covered["DPoP challenge"] || strings.Contains(challenges, "DPoP ")
				covered["nonce"] = covered["nonce"] || b.Header().Get("DPoP-Nonce") != ""
				covered["Retry-After"] = covered["Retry-After"] || rb > 0
			})
		}
	}
	for _, want := range []string{"401", "403", "503", "scope", "DPoP challenge", "nonce", "Retry-After"} {
		if !covered[want] {
			t.Errorf("no case of the table answered with %s: %v", want, covered)
		}
	}
}
