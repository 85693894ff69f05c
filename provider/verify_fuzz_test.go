package provider_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify: Verify never accepts a token whose header and payload were
// not signed by a key of the issuer — checked independently of golang-jwt
// and the cache, with RSA-PKCS1v15 over SHA-256 and the issuer's public
// key — nor a token that is not three strict base64url segments.
func FuzzVerify(f *testing.F) {
	iss := newIssuer(f, "RS256")
	v := verifierFor(f, oidcFor(f, iss))
	good := iss.Token("alice", testAudience, nil)
	f.Add(good)
	f.Add(iss.Token("bob", testAudience, jwt.MapClaims{"scope": "read write"}))
	seg := strings.Split(good, ".")
	f.Add(seg[0] + "." + seg[1] + ".")
	f.Add(seg[0] + ".." + seg[2])
	pub := iss.Keys()[0].Private.Public().(*rsa.PublicKey)
	f.Fuzz(func(t *testing.T, token string) {
		if _, err := v.Verify(context.Background(), token); err != nil {
			return
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %q: not three segments", token)
		}
		sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
		if err != nil {
			t.Fatalf("accepted %q: signature not strict base64url: %v", token, err)
		}
		if err := jwt.SigningMethodRS256.Verify(parts[0]+"."+parts[1], sig, pub); err != nil {
			t.Fatalf("accepted %q: not signed by the issuer's key: %v", token, err)
		}
	})
}
