package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// TestLifetime checks exp (required) and nbf, with and without leeway.
func TestLifetime(t *testing.T) {
	iss := newIssuer(t, "RS256")
	p := oidcFor(t, iss)
	now := time.Now()
	ago := func(d time.Duration) int64 { return now.Add(-d).Unix() }
	tests := []struct {
		name   string
		leeway time.Duration
		claims jwt.MapClaims
		reason error // nil: valid
		code   string
	}{
		{"valid", 0, jwt.MapClaims{"nbf": ago(time.Minute)}, nil, ""},
		{"expired", 0, jwt.MapClaims{"exp": ago(10 * time.Second)}, provider.ErrExpired, "expired"},
		{"expired long ago", 0, jwt.MapClaims{"exp": 1}, provider.ErrExpired, "expired"},
		{"missing exp", 0, jwt.MapClaims{"exp": nil}, reasons.MissingClaim, "missing_claim"},
		{"nbf in the future", 0, jwt.MapClaims{"nbf": ago(-10 * time.Second)}, reasons.NotYetValid, "not_yet_valid"},
		{"slightly expired within leeway", 30 * time.Second, jwt.MapClaims{"exp": ago(10 * time.Second)}, nil, ""},
		{"not yet valid within leeway", 30 * time.Second, jwt.MapClaims{"nbf": ago(-10 * time.Second)}, nil, ""},
		{"expired beyond leeway", 30 * time.Second, jwt.MapClaims{"exp": ago(time.Minute)}, provider.ErrExpired, "expired"},
		{"not yet valid beyond leeway", 30 * time.Second, jwt.MapClaims{"nbf": ago(-time.Minute)}, reasons.NotYetValid, "not_yet_valid"},
		{"missing exp with leeway", 30 * time.Second, jwt.MapClaims{"exp": nil}, reasons.MissingClaim, "missing_claim"},
		{"exp with a fraction", 0, jwt.MapClaims{"exp": float64(ago(-time.Hour)) + 0.5}, nil, ""},
		{"exp in exponent form", 0, jwt.MapClaims{"exp": json.Number("4e9")}, nil, ""},
		{"expired, exponent form", 0, jwt.MapClaims{"exp": json.Number("1.5e9")}, provider.ErrExpired, "expired"},
		{"exp negative", 0, jwt.MapClaims{"exp": -1}, provider.ErrExpired, "expired"},
		{"exp as a numeric string", 0, jwt.MapClaims{"exp": strconv.FormatInt(ago(-time.Hour), 10)}, reasons.Malformed, "malformed"},
		{"nbf as a numeric string", 0, jwt.MapClaims{"nbf": strconv.FormatInt(ago(time.Hour), 10)}, reasons.Malformed, "malformed"},
		{"iat as a numeric string", 0, jwt.MapClaims{"iat": strconv.FormatInt(ago(time.Minute), 10)}, reasons.Malformed, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{p}, Leeway: tt.leeway})
			_, err := v.Verify(context.Background(), iss.Sign("", claims(iss, tt.claims)))
			if tt.reason == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantErr(t, err, tt.reason, provider.ErrInvalidToken, tt.code)
		})
	}
}

// TestExpiredError carries the token's expiry.
func TestExpiredError(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	exp := time.Now().Add(-time.Hour).Truncate(time.Second)
	_, err := v.Verify(context.Background(), iss.Sign("", claims(iss, jwt.MapClaims{"exp": exp.Unix()})))
	var e *provider.ExpiredError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *ExpiredError", err, err)
	}
	if !e.Expiry.Equal(exp) {
		t.Errorf("Expiry = %v, want %v", e.Expiry, exp)
	}
	if want := "provider: token expired at " + exp.UTC().Format(time.RFC3339); err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	wantErr(t, err, provider.ErrExpired, provider.ErrInvalidToken, "expired")
}

// TestClaimsTimes fills ExpiresAt; iat and nbf, which Claims has no
// method for, are read by Decode.
func TestClaimsTimes(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	now := time.Now().Truncate(time.Second)
	c := verifyOK(t, v, iss.Sign("", claims(iss, jwt.MapClaims{"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()})))
	var times struct {
		IssuedAt  *jwt.NumericDate `json:"iat"`
		NotBefore *jwt.NumericDate `json:"nbf"`
	}
	if err := c.Decode(&times); err != nil {
		t.Fatal(err)
	}
	if !times.IssuedAt.Equal(now) || !times.NotBefore.Equal(now.Add(-time.Minute)) || !c.ExpiresAt().Equal(now.Add(time.Hour)) {
		t.Errorf("iat %v nbf %v exp %v, want %v %v %v", times.IssuedAt, times.NotBefore, c.ExpiresAt(), now, now.Add(-time.Minute), now.Add(time.Hour))
	}
}
