package auth0_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/auth0"
)

func TestTokenURL(t *testing.T) {
	tests := []struct {
		domain, want, wantErr string
	}{
		{domain: "example.eu.auth0.com", want: "https://example.eu.auth0.com/oauth/token"},
		{domain: "https://Example.EU.auth0.com/", want: "https://example.eu.auth0.com/oauth/token"},
		{domain: "login.example.com/", want: "https://login.example.com/oauth/token"},
		{domain: "http://example.eu.auth0.com", wantErr: "https only"},
		{domain: "example.eu.auth0.com/oauth/token", wantErr: "want a host name"},
		{domain: "", wantErr: "want a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			got, err := auth0.TokenURL(tt.domain)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "auth0: ") {
					t.Fatalf("TokenURL(%q) = %q, %v; want an auth0 error containing %q", tt.domain, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("TokenURL(%q) = %q, %v; want %q", tt.domain, got, err, tt.want)
			}
		})
	}
}

// TokenURL agrees with the issuer of a Provider for the same tenant, the
// domain written either way.
func TestTokenURLMatchesProvider(t *testing.T) {
	p, err := auth0.New(auth0.Config{Domain: "https://Example.EU.auth0.com", Audiences: []string{"https://api"}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := auth0.TokenURL("example.eu.auth0.com:443")
	if want := p.Issuer() + "oauth/token"; err != nil || u != want {
		t.Fatalf("TokenURL = %q, %v; want the issuer's %q", u, err, want)
	}
}

func ExampleTokenURL() {
	u, err := auth0.TokenURL("https://example.eu.auth0.com/")
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	// Output: https://example.eu.auth0.com/oauth/token
}
