package provider_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// TestClaimNamesAreExact: claim names are case-sensitive (RFC 7519 §4).
// encoding/json's struct decoding would read "EXP", "Exp" or "ISS" as the
// registered claims (and "ſ" as "s"), names an issuer's filter of reserved
// claims lets through.
func TestClaimNamesAreExact(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	past, future := time.Now().Add(-time.Hour).Unix(), time.Now().Add(time.Hour).Unix()
	tests := []struct {
		name   string
		claims jwt.MapClaims
		reason error
		code   string
	}{
		{"EXP does not override exp", jwt.MapClaims{"exp": past, "EXP": future}, provider.ErrExpired, "expired"},
		{"Exp is not exp", jwt.MapClaims{"exp": nil, "Exp": future}, reasons.MissingClaim, "missing_claim"},
		{"NBF is not nbf", jwt.MapClaims{"nbf": future, "NBF": past}, reasons.NotYetValid, "not_yet_valid"},
		{"ISS is not iss", jwt.MapClaims{"iss": nil, "ISS": iss.URL}, reasons.UnknownIssuer, "unknown_issuer"},
		{"AUD is not aud", jwt.MapClaims{"aud": "other", "AUD": testAudience}, reasons.Audience, "audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), iss.Sign("", claims(iss, tt.claims)))
			wantErr(t, err, tt.reason, provider.ErrInvalidToken, tt.code)
		})
	}
}

// TestDatesOutOfRange: a date past the year 9999 is malformed, whatever
// the platform's float-to-int conversion would make of it.
func TestDatesOutOfRange(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	for _, c := range []jwt.MapClaims{
		{"exp": json.Number("1e300")},
		{"nbf": json.Number("1e300")},
		{"iat": json.Number("-1e300")},
		{"exp": json.Number("253402300800")},
	} {
		_, err := v.Verify(context.Background(), iss.Sign("", claims(iss, c)))
		wantErr(t, err, reasons.Malformed, provider.ErrInvalidToken, "malformed")
	}
	verifyOK(t, v, iss.Sign("", claims(iss, jwt.MapClaims{"nbf": 0})))
}

// TestParseClaims decodes claims as Verify does, by exact names.
func TestParseClaims(t *testing.T) {
	c, err := provider.ParseClaims([]byte(`{"sub":"alice","Sub":"mallory","scope":"read write","cognito:groups":["a"],"client_id":"app"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject() != "alice" || len(c.Scopes()) != 2 || c.Groups()[0] != "a" || c.ClientID() != "app" {
		t.Errorf("claims %+v", c)
	}
	if s, ok := c.LookupString("Sub"); !ok || s != "mallory" {
		t.Errorf(`LookupString("Sub") = %q, %v`, s, ok)
	}
	if _, ok := c.LookupString("scope "); ok {
		t.Error("LookupString found a claim that is not there")
	}
	for _, bad := range []string{`[]`, `"x"`, `{"exp":"soon"}`, `{"iss":1}`, `{`} {
		if _, err := provider.ParseClaims([]byte(bad)); err == nil {
			t.Errorf("ParseClaims(%s) succeeded", bad)
		}
	}
}
