package claimcheck

import (
	"errors"
	"slices"
	"testing"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// TestAudience accepts a token having any one accepted audience.
func TestAudience(t *testing.T) {
	tests := []struct {
		aud, accepted []string
		ok            bool
	}{
		{[]string{"a"}, []string{"a"}, true},
		{[]string{"x", "b"}, []string{"a", "b"}, true},
		{[]string{"x"}, []string{"a", "b"}, false},
		{nil, []string{"a"}, false},
		{[]string{"a"}, nil, false},
		{[]string{"A"}, []string{"a"}, false},
		{[]string{""}, []string{"a"}, false},
	}
	for _, tt := range tests {
		err := Audience(audience(tt.aud), tt.accepted)
		if tt.ok != (err == nil) || err != nil && !errors.Is(err, reasons.Audience) {
			t.Errorf("Audience(%q, %q) = %v, want ok %v", tt.aud, tt.accepted, err, tt.ok)
		}
	}
}

// TestType compares media types as RFC 7515 §4.1.9 says: without case and
// without an "application/" prefix, on either side.
func TestType(t *testing.T) {
	tests := []struct {
		typ, want string
		ok        bool
	}{
		{"at+jwt", "at+jwt", true},
		{"application/at+jwt", "at+jwt", true},
		{"Application/AT+JWT", "at+jwt", true},
		{"at+jwt", "application/at+jwt", true},
		{"JWT", "at+jwt", false},
		{"", "at+jwt", false},
		{"at+jwt ", "at+jwt", false},
		{"application/", "at+jwt", false},
		{"text/at+jwt", "at+jwt", false},
	}
	for _, tt := range tests {
		err := Type(tt.typ, tt.want)
		if tt.ok != (err == nil) || err != nil && !errors.Is(err, reasons.Type) {
			t.Errorf("Type(%q, %q) = %v, want ok %v", tt.typ, tt.want, err, tt.ok)
		}
	}
}

// audience is a token's aud, as Audience reads it.
type audience []string

func (a audience) HasAudience(aud string) bool { return slices.Contains(a, aud) }
func (a audience) Audience() []string          { return a }
