package provider_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// TestReason gives every error its fixed code, through any wrapping.
func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{reasons.TooLarge, "too_large"},
		{reasons.Malformed, "malformed"},
		{reasons.UnknownIssuer, "unknown_issuer"},
		{reasons.Algorithm, "algorithm"},
		{reasons.KeyID, "kid"},
		{reasons.UnknownKey, "unknown_key"},
		{reasons.Signature, "signature"},
		{provider.ErrExpired, "expired"},
		{&provider.ExpiredError{Expiry: time.Unix(0, 0)}, "expired"},
		{reasons.NotYetValid, "not_yet_valid"},
		{reasons.MissingClaim, "missing_claim"},
		{reasons.Audience, "audience"},
		{reasons.TokenUse, "token_use"},
		{reasons.Client, "client"},
		{reasons.Claims, "claims"},
		{reasons.MissingGroup, "insufficient_scope"},
		{fmt.Errorf("cognito: %w: %q", reasons.Client, "x"), "client"},
		{fmt.Errorf("wrapped twice: %w", fmt.Errorf("%w: aud", reasons.Audience)), "audience"},
		{provider.ErrNoToken, "no_token"},
		{provider.ErrInsufficientScope, "insufficient_scope"},
		{fmt.Errorf("%w: want orders", provider.ErrInsufficientScope), "insufficient_scope"},
		{provider.ErrKeysUnavailable, "keys_unavailable"},
		{&provider.KeysUnavailableError{Err: io.EOF}, "keys_unavailable"},
		{provider.ErrInvalidToken, "invalid_token"},
		{fmt.Errorf("%w: custom rule", provider.ErrInvalidToken), "invalid_token"},
		{io.EOF, "error"},
	}
	for _, tt := range tests {
		if got := provider.Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.want)
		}
		if tt.err != nil && !slices.Contains(reasons.Codes, provider.Reason(tt.err)) {
			t.Errorf("reasons.Codes lacks %q", provider.Reason(tt.err))
		}
	}
}

// TestReasons lists each code once, each a valid metric label value.
func TestReasons(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range reasons.Codes {
		if seen[r] {
			t.Errorf("%q listed twice", r)
		}
		seen[r] = true
		if r == "" || strings.Trim(r, "abcdefghijklmnopqrstuvwxyz_") != "" {
			t.Errorf("code %q is not lower_snake_case", r)
		}
	}
}

// TestReasonCategories makes each reason match exactly one category, and
// its message start with the package name.
func TestReasonCategories(t *testing.T) {
	categories := []error{provider.ErrNoToken, provider.ErrInvalidToken, provider.ErrInsufficientScope, provider.ErrKeysUnavailable}
	all := []error{
		reasons.TooLarge, reasons.Malformed, reasons.UnknownIssuer, reasons.Algorithm,
		reasons.KeyID, reasons.UnknownKey, reasons.Signature, provider.ErrExpired, reasons.NotYetValid,
		reasons.MissingClaim, reasons.Audience, reasons.TokenUse, reasons.Client, reasons.Claims,
		reasons.MissingGroup, &provider.ExpiredError{},
	}
	for _, r := range all {
		n := 0
		for _, c := range categories {
			if errors.Is(r, c) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%v matches %d categories, want 1", r, n)
		}
		if !strings.HasPrefix(r.Error(), "provider: ") {
			t.Errorf("message %q does not start with provider:", r)
		}
	}
	if !errors.Is(reasons.MissingGroup, provider.ErrInsufficientScope) {
		t.Error("ErrMissingGroup does not match ErrInsufficientScope")
	}
}
