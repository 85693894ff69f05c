package cognito_test

import (
	"context"
	"testing"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/provider"
)

// TestTokenUseOf reads token_use by its exact name, as a string only.
func TestTokenUseOf(t *testing.T) {
	tests := []struct {
		claims string
		want   cognito.TokenUse
	}{
		{`{"token_use":"access"}`, cognito.AccessToken},
		{`{"token_use":"id"}`, cognito.IDToken},
		{`{"token_use":"refresh"}`, "refresh"},
		{`{"token_use":"acc\u0065ss"}`, cognito.AccessToken},
		{`{"token_use" : "id" }`, cognito.IDToken},
		{`{"token_use":"id","token_use":"access"}`, cognito.AccessToken}, // the last, as everywhere
		{`{}`, ""},
		{`{"token_use":""}`, ""},
		{`{"token_use":null}`, ""},
		{`{"token_use":1}`, ""},
		{`{"token_use":["access"]}`, ""},
		{`{"token_use":{"access":true}}`, ""},
		{`{"Token_Use":"access"}`, ""},                       // names are case-sensitive
		{`{"token_\u0075se":"access"}`, cognito.AccessToken}, // an escaped name is the same name
		{`{"tokenuse":"access","tokenUse":"id"}`, ""},
	}
	for _, tt := range tests {
		c, err := provider.ParseClaims([]byte(tt.claims))
		if err != nil {
			t.Fatalf("%s: %v", tt.claims, err)
		}
		if got := cognito.TokenUseOf(c); got != tt.want {
			t.Errorf("TokenUseOf(%s) = %q, want %q", tt.claims, got, tt.want)
		}
	}
}

// TestTokenUseOfVerified tells the kinds apart behind a pool configured
// for AnyToken, on tokens the Verifier checked.
func TestTokenUseOfVerified(t *testing.T) {
	p := newPool(t)
	v := p.verifier(t, cognito.Config{ClientIDs: []string{"app"}, TokenUse: cognito.AnyToken})
	for token, want := range map[string]cognito.TokenUse{
		p.accessToken("app", nil):                    cognito.AccessToken,
		p.idToken("app", nil):                        cognito.IDToken,
		p.idp.CognitoToken("access", "app", "alice"): cognito.AccessToken,
		p.idp.CognitoToken("id", "app", "alice"):     cognito.IDToken,
	} {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if got := cognito.TokenUseOf(c); got != want {
			t.Errorf("TokenUseOf = %q, want %q", got, want)
		}
	}
}
