package keycache_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"testing"

	"github.com/MicahParks/jwkset"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
)

// jwk marshals the public half of key with kid and use.
func jwk(t *testing.T, key any, kid string, use jwkset.USE) json.RawMessage {
	t.Helper()
	k, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, USE: use}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(k.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Behaviour 11: several key types in one set; the first of duplicate kids
// wins; encryption, symmetric, unsupported and broken keys are skipped
// without rejecting the set.
func TestKeySetParsing(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaOther, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	keys := []json.RawMessage{
		jwk(t, &rsaKey.PublicKey, "rsa", jwkset.UseSig),
		jwk(t, &ecKey.PublicKey, "ec", ""),
		jwk(t, edPub, "okp", jwkset.UseSig),
		jwk(t, &rsaOther.PublicKey, "rsa", jwkset.UseSig), // duplicate: skipped
		jwk(t, &rsaOther.PublicKey, "enc", jwkset.UseEnc), // encryption: skipped
		json.RawMessage(`{"kty":"oct","kid":"hmac","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ"}`),
		json.RawMessage(`{"kty":"OKP","kid":"ed448","crv":"Ed448","x":"` + "AAAA" + `"}`),
		json.RawMessage(`{"kty":"EC","kid":"p192","crv":"P-192","x":"AAAA","y":"AAAA"}`),
		json.RawMessage(`{"kty":"XYZ","kid":"alien"}`),
		json.RawMessage(`{"kty":"RSA","kid":"broken","n":"%%%","e":"AQAB"}`),
		json.RawMessage(`"not an object"`),
		json.RawMessage(`{"kty":"RSA","kid":"hs","alg":"HS256","n":"AQAB","e":"AQAB"}`),
	}
	body, _ := json.Marshal(map[string]any{"keys": keys})

	iss := startIssuer(t)
	iss.SetBody(body)
	c := newCache(t, iss, cache.Config{})
	ctx := context.Background()
	for _, kid := range []string{"rsa", "ec", "okp"} {
		if _, err := c.Key(ctx, kid); err != nil {
			t.Errorf("kid %q: %v", kid, err)
		}
	}
	k, _ := c.Key(ctx, "rsa")
	if !rsaKey.PublicKey.Equal(k.Public()) {
		t.Error("duplicate kid: the later key won, want the first")
	}
	for _, kid := range []string{"enc", "hmac", "ed448", "p192", "alien", "broken", "hs"} {
		if _, err := c.Key(ctx, kid); !errors.Is(err, keycache.ErrKeyNotFound) {
			t.Errorf("kid %q: %v, want ErrKeyNotFound", kid, err)
		}
	}
	if got := len(c.Keys()); got != 3 {
		t.Errorf("%d usable keys, want 3", got)
	}
}

// Private key material in a JWKS is never read: the public half serves.
func TestPrivateMaterialIgnored(t *testing.T) {
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	k, err := jwkset.NewJWKFromKey(priv, jwkset.JWKOptions{
		Marshal:  jwkset.JWKMarshalOptions{Private: true},
		Metadata: jwkset.JWKMetadataOptions{KID: "leaky"},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{k.Marshal()}})
	iss := startIssuer(t)
	iss.SetBody(body)
	c := newCache(t, iss, cache.Config{})
	got, err := c.Key(context.Background(), "leaky")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Public().(*rsa.PublicKey); !ok {
		t.Errorf("key is %T, want *rsa.PublicKey", got.Public())
	}
	if _, ok := c.Keys()[0].Public().(*rsa.PublicKey); !ok {
		t.Errorf("Keys()[0] is %T, want *rsa.PublicKey", c.Keys()[0].Public())
	}
}

// A look-up without a kid gets the only key, and an error when there are
// several.
func TestKeyWithoutKID(t *testing.T) {
	iss := startIssuer(t)
	c := newCache(t, iss, cache.Config{})
	if _, err := c.Key(context.Background(), ""); err != nil {
		t.Fatalf("one key, no kid: %v", err)
	}
	iss.AddKey("ES256")
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Key(context.Background(), ""); !errors.Is(err, keycache.ErrAmbiguousKey) {
		t.Fatalf("two keys, no kid: %v, want ErrAmbiguousKey", err)
	}
}
