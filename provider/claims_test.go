package provider_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// claimsVerifier verifies tokens of iss for any audience, so that the
// claims under test are the only thing that varies.
func claimsVerifier(t *testing.T) (*provider.Verifier, func(jwt.MapClaims) *provider.Claims) {
	t.Helper()
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), InsecureSkipAudienceCheck: true}))
	return v, func(extra jwt.MapClaims) *provider.Claims {
		t.Helper()
		c := iss.Claims("alice", "", time.Hour, nil)
		for k, val := range extra {
			c[k] = val
		}
		return verifyOK(t, v, iss.Sign("", c))
	}
}

// TestClaimsFields maps the claims of Cognito, Auth0 and other issuers onto
// the fields of Claims.
func TestClaimsFields(t *testing.T) {
	_, verify := claimsVerifier(t)
	type fields struct {
		Audience, Scopes, Groups []string
		ID, ClientID             string
	}
	tests := []struct {
		name   string
		claims jwt.MapClaims
		want   fields
	}{
		{"Cognito access token", jwt.MapClaims{
			"token_use": "access", "client_id": "6bnvpjbe1h3m3", "scope": "openid profile aws.cognito.signin.user.admin",
			"cognito:groups": []string{"admin", "users"}, "username": "alice", "jti": "j-1", "auth_time": 1700000000,
		}, fields{
			Scopes: []string{"openid", "profile", "aws.cognito.signin.user.admin"}, Groups: []string{"admin", "users"},
			ID: "j-1", ClientID: "6bnvpjbe1h3m3",
		}},
		{"Cognito ID token", jwt.MapClaims{
			"token_use": "id", "aud": "6bnvpjbe1h3m3", "cognito:groups": []string{"admin"}, "email": "alice@example.com",
		}, fields{Audience: []string{"6bnvpjbe1h3m3"}, Groups: []string{"admin"}}},
		{"Auth0 user token", jwt.MapClaims{
			"aud": []string{"https://api.example.com", "https://tenant.auth0.com/userinfo"}, "azp": "spa-client",
			"scope": "openid read:orders write:orders", "permissions": []string{"read:orders", "write:orders"},
		}, fields{
			Audience: []string{"https://api.example.com", "https://tenant.auth0.com/userinfo"}, ClientID: "spa-client",
			Scopes: []string{"openid", "read:orders", "write:orders"},
		}},
		{"Auth0 machine-to-machine token", jwt.MapClaims{
			"aud": "https://api.example.com", "azp": "m2m-client", "gty": "client-credentials", "scope": "read:orders",
		}, fields{Audience: []string{"https://api.example.com"}, ClientID: "m2m-client", Scopes: []string{"read:orders"}}},
		{"scp array (Okta, Entra ID)", jwt.MapClaims{"scp": []string{"read", "write"}}, fields{Scopes: []string{"read", "write"}}},
		{"scp string", jwt.MapClaims{"scp": "read write"}, fields{Scopes: []string{"read", "write"}}},
		{"scope array", jwt.MapClaims{"scope": []string{"read", "write"}}, fields{Scopes: []string{"read", "write"}}},
		{"scope over scp", jwt.MapClaims{"scope": "a", "scp": []string{"b"}}, fields{Scopes: []string{"a"}}},
		{"an empty scope claim is no scope, not scp", jwt.MapClaims{"scope": "", "scp": "b"}, fields{}},
		{"scp without scope", jwt.MapClaims{"scp": "b"}, fields{Scopes: []string{"b"}}},
		{"empty cognito:groups is no group, not groups", jwt.MapClaims{"cognito:groups": []any{}, "groups": []any{"admins"}}, fields{}},
		{"groups", jwt.MapClaims{"groups": []string{"staff"}}, fields{Groups: []string{"staff"}}},
		{"groups as one string", jwt.MapClaims{"groups": "staff"}, fields{Groups: []string{"staff"}}},
		{"cognito:groups over groups", jwt.MapClaims{"cognito:groups": []string{"admin"}, "groups": []string{"staff"}}, fields{Groups: []string{"admin"}}},
		{"client_id over azp", jwt.MapClaims{"client_id": "a", "azp": "b"}, fields{ClientID: "a"}},
		{"extra spaces in scope", jwt.MapClaims{"scope": "  read  write  "}, fields{Scopes: []string{"read", "write"}}},
		{"scope tokens split on spaces only, invalid ones dropped", jwt.MapClaims{"scope": "read\tdelete:all read\u00a0admin write"}, fields{Scopes: []string{"write"}}},
		{"claim names are case-sensitive", jwt.MapClaims{"Scope": "admin", "Groups": []any{"g"}, "Client_Id": "c", "Cognito:Groups": []any{"g"}}, fields{}},
		{"no Unicode folding of claim names", jwt.MapClaims{"\u017fcope": "admin", "group\u017f": []any{"admin"}}, fields{}},
		// Odd types grant nothing but do not fail the token.
		{"groups a number", jwt.MapClaims{"groups": 5}, fields{}},
		{"cognito:groups an object", jwt.MapClaims{"cognito:groups": map[string]any{"admin": true}}, fields{}},
		{"scope a bool", jwt.MapClaims{"scope": true}, fields{}},
		{"groups null", jwt.MapClaims{"groups": nil}, fields{}},
		{"mixed array keeps the strings", jwt.MapClaims{"groups": []any{"a", 1, nil, "", map[string]any{}, "b"}}, fields{Groups: []string{"a", "b"}}},
		{"array with null and empty strings", jwt.MapClaims{"groups": []any{"read", nil, ""}}, fields{Groups: []string{"read"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := verify(tt.claims)
			got := fields{
				Audience: c.Audience(), Scopes: c.Scopes(), Groups: c.Groups(),
				ID: c.ID(), ClientID: c.ClientID(),
			}
			if !equalFields(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if c.Subject() != "alice" {
				t.Errorf("Subject = %q, want alice", c.Subject())
			}
		})
	}
}

// equalFields compares, taking nil and empty slices as equal.
func equalFields(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		if fa.Kind() == reflect.Slice && fa.Len() == 0 && fb.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			return false
		}
	}
	return true
}

// TestClaimsHas answers the membership questions on the fields.
func TestClaimsHas(t *testing.T) {
	_, verify := claimsVerifier(t)
	c := verify(jwt.MapClaims{"aud": []string{"api"}, "scope": "read write", "cognito:groups": []string{"admin"}})
	checks := []struct {
		name string
		got  bool
		want bool
	}{
		{"HasAudience(api)", c.HasAudience("api"), true},
		{"HasAudience(ap)", c.HasAudience("ap"), false},
		{"HasScope(write)", c.HasScope("write"), true},
		{"HasScope(read write)", c.HasScope("read write"), false},
		{"HasGroup(admin)", c.HasGroup("admin"), true},
		{"HasGroup(Admin)", c.HasGroup("Admin"), false},
		{"HasGroup of empty", c.HasGroup(""), false},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

// TestClaimsDecodeAndRaw gives access to every claim, the ones Claims
// knows and the others.
func TestClaimsDecodeAndRaw(t *testing.T) {
	_, verify := claimsVerifier(t)
	c := verify(jwt.MapClaims{
		"custom:tenant_id": "t-42", "username": "alice", "cognito:groups": []string{"admin"},
		"address": map[string]any{"country": "FR"}, "email_verified": true,
	})

	var extra struct {
		Tenant   string   `json:"custom:tenant_id"`
		Username string   `json:"username"`
		Groups   []string `json:"cognito:groups"`
		Verified bool     `json:"email_verified"`
		Address  struct {
			Country string `json:"country"`
		} `json:"address"`
		Subject string `json:"sub"`
	}
	if err := c.Decode(&extra); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if extra.Tenant != "t-42" || extra.Username != "alice" || len(extra.Groups) != 1 || !extra.Verified || extra.Address.Country != "FR" || extra.Subject != "alice" {
		t.Errorf("Decode: %+v", extra)
	}

	var raw map[string]any
	if err := c.Decode(&raw); err != nil {
		t.Fatalf("Decode into a map: %v", err)
	}
	for _, k := range []string{"iss", "sub", "exp", "iat", "custom:tenant_id", "username", "address", "email_verified"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("the map has no %q: %v", k, raw)
		}
	}
	if raw["custom:tenant_id"] != "t-42" || raw["exp"].(float64) != float64(c.ExpiresAt().Unix()) {
		t.Errorf("Decode into a map: %v", raw)
	}
	raw["username"] = "mallory" // each call decodes anew
	var again map[string]any
	if err := c.Decode(&again); err != nil || again["username"] != "alice" {
		t.Errorf("Decode shares what it decoded between calls: %v, %v", again, err)
	}

	var wrong struct {
		Username int `json:"username"`
	}
	if err := c.Decode(&wrong); err == nil || !strings.HasPrefix(err.Error(), "provider: decoding claims") {
		t.Errorf("Decode into a mismatched type: %v, want a provider error", err)
	}
	if err := (&provider.Claims{}).Decode(&extra); err == nil {
		t.Error("Decode of Claims not returned by Verify succeeded")
	}
}

// OIDCConfig.Type requires a typ header; Claims.Type and LookupHeader
// read the header of a verified token.
func TestType(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, newOIDC(t, provider.OIDCConfig{
		Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{testAudience}, Type: "at+jwt",
	}))
	for typ, ok := range map[any]bool{
		"at+jwt": true, "application/at+jwt": true, "Application/AT+JWT": true,
		"JWT": false, "": false, "at+jwt ": false, "application/": false, 7: false, nil: false,
	} {
		tok := iss.SignWithHeader("", map[string]any{"typ": typ}, claims(iss, nil))
		c, err := v.Verify(context.Background(), tok)
		if !ok {
			if !errors.Is(err, reasons.Type) {
				t.Errorf("typ %#v: %v, want ErrType", typ, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("typ %#v: %v", typ, err)
			continue
		}
		if h, found := c.LookupHeader("typ"); !found || string(h) != fmt.Sprintf("%q", typ) {
			t.Errorf("LookupHeader(typ) = %s, %v", h, found)
		}
		if c.Type() != typ {
			t.Errorf("Type() = %q, want %q", c.Type(), typ)
		}
	}
	// Without OIDCConfig.Type, any typ passes, and Type is "" for one that
	// is not a string.
	untyped := verifierFor(t, newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{testAudience}}))
	for _, typ := range []any{7, nil, "", "JWT"} {
		c, err := untyped.Verify(context.Background(), iss.SignWithHeader("", map[string]any{"typ": typ}, claims(iss, nil)))
		if want, _ := typ.(string); err != nil || c.Type() != want {
			t.Errorf("typ %#v: Type() = %q, %v; want %q", typ, c.Type(), err, want)
		}
	}
	c, _ := provider.ParseClaims([]byte(`{"sub":"x"}`))
	if _, found := c.LookupHeader("alg"); found || c.Type() != "" {
		t.Error("parsed claims have a header")
	}
	if _, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{testAudience}, Type: "at jwt"}); err == nil {
		t.Error("a Type with a space accepted")
	}
}

// The type and audience checks run on every new token: they read the
// claims where they lie, without a copy.
func TestValidateAllocs(t *testing.T) {
	iss := newIssuer(t, "RS256")
	p := newOIDC(t, provider.OIDCConfig{
		Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{"https://other.example", testAudience}, Type: "at+jwt",
	})
	c := verifyOK(t, verifierFor(t, p), iss.SignWithHeader("", map[string]any{"typ": "at+jwt"}, claims(iss, nil)))
	if n := testing.AllocsPerRun(100, func() { _ = p.Validate(c) }); n != 0 {
		t.Errorf("%v allocations a check, want none", n)
	}
}
