package dpopcheck_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/provider"
)

var b64 = base64.RawURLEncoding

// Keys, generated once: the tests only need them to differ from each other.
var (
	ecKey   = sync.OnceValue(func() crypto.Signer { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k })
	ec2Key  = sync.OnceValue(func() crypto.Signer { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k })
	edKey   = sync.OnceValue(func() crypto.Signer { _, k, _ := ed25519.GenerateKey(rand.Reader); return k })
	rsaKey  = sync.OnceValue(func() crypto.Signer { k, _ := rsa.GenerateKey(rand.Reader, 2048); return k })
	ed2Key  = sync.OnceValue(func() crypto.Signer { _, k, _ := ed25519.GenerateKey(rand.Reader); return k })
	rsa2Key = sync.OnceValue(func() crypto.Signer { k, _ := rsa.GenerateKey(rand.Reader, 2048); return k })
)

// publicJWK is the JWK of key's public half, and extra members.
func publicJWK(key crypto.Signer, extra map[string]any) map[string]any {
	m := map[string]any{}
	switch k := key.Public().(type) {
	case *ecdsa.PublicKey:
		raw, _ := k.Bytes()
		m = map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(raw[1:33]), "y": b64.EncodeToString(raw[33:])}
	case ed25519.PublicKey:
		m = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}
	case *rsa.PublicKey:
		m = map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	}
	for name, v := range extra {
		m[name] = v
	}
	return m
}

const (
	uri   = "https://api.example.com/orders"
	token = "an-access-token"
)

func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64.EncodeToString(sum[:])
}

// proof builds a proof signed with key under alg: the header and claims
// of a valid one for GET uri with token, changed by edit.
func proof(t testing.TB, key crypto.Signer, alg string, edit func(h, c map[string]any)) string {
	t.Helper()
	h := map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": publicJWK(key, nil)}
	c := map[string]any{"jti": "j-1", "htm": "GET", "htu": uri, "iat": time.Now().Unix(), "ath": ath(token)}
	if edit != nil {
		edit(h, c)
	}
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.MapClaims(c))
	tok.Header = h
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var get = dpopcheck.Request{Method: "GET", URI: uri, AccessToken: token}

func TestVerifyKeyTypes(t *testing.T) {
	for alg, key := range map[string]func() crypto.Signer{"ES256": ecKey, "EdDSA": edKey, "RS256": rsaKey, "PS256": rsaKey} {
		t.Run(alg, func(t *testing.T) {
			p, err := dpopcheck.Verify(proof(t, key(), alg, nil), get, dpopcheck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := dpop.Thumbprint(key().Public())
			if p.JKT != want || p.ID != "j-1" || time.Since(p.IssuedAt) > time.Minute {
				t.Fatalf("proof %+v, want jkt %s", p, want)
			}
			if !p.Expires.Equal(p.IssuedAt.Add(time.Minute + 5*time.Second)) {
				t.Fatalf("proof expires %v, want iat + the default Window and Leeway (a minute, 5 seconds)", p.Expires)
			}
		})
	}
}

// check is a case of TestVerifyChecks.
type check struct {
	name  string
	proof string
	req   dpopcheck.Request
	want  error  // nil: accepted; else ErrInvalidProof or ErrUseNonce
	code  string // the reason: provider.Reason's code
}

// refused reports whether err refuses a proof (ErrInvalidProof) for the
// reason code.
func refused(err error, code string) bool {
	return errors.Is(err, dpop.ErrInvalidProof) && provider.Reason(err) == code
}

// Every check of RFC 9449 §4.3, each with its reason, for each key type.
func TestVerifyChecks(t *testing.T) {
	set := func(name string, v any) func(h, c map[string]any) {
		return func(_, c map[string]any) {
			if v == nil {
				delete(c, name)
			} else {
				c[name] = v
			}
		}
	}
	hdr := func(name string, v any) func(h, c map[string]any) {
		return func(h, _ map[string]any) {
			if v == nil {
				delete(h, name)
			} else {
				h[name] = v
			}
		}
	}
	for _, kt := range []struct {
		alg                     string
		key, another, otherType func() crypto.Signer
	}{
		{"ES256", ecKey, ec2Key, edKey},
		{"EdDSA", edKey, ed2Key, ecKey},
		{"RS256", rsaKey, rsa2Key, ecKey},
	} {
		alg, k := kt.alg, kt.key()
		tests := []check{
			{"valid", proof(t, k, alg, nil), get, nil, ""},
			{"no typ", proof(t, k, alg, hdr("typ", nil)), get, dpop.ErrInvalidProof, "dpop_type"},
			{"typ JWT", proof(t, k, alg, hdr("typ", "JWT")), get, dpop.ErrInvalidProof, "dpop_type"},
			{"alg HS256", func() string {
				tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"jti": "j", "htm": "GET", "htu": uri, "iat": time.Now().Unix(), "ath": ath(token)})
				tok.Header["typ"], tok.Header["jwk"] = "dpop+jwt", publicJWK(k, nil)
				s, _ := tok.SignedString([]byte("a shared secret"))
				return s
			}(), get, dpop.ErrInvalidProof, "dpop_algorithm"},
			{"alg none", func() string {
				tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"jti": "j", "htm": "GET", "htu": uri, "iat": time.Now().Unix(), "ath": ath(token)})
				tok.Header["typ"], tok.Header["jwk"] = "dpop+jwt", publicJWK(k, nil)
				s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
				return s
			}(), get, dpop.ErrInvalidProof, "dpop_algorithm"},
			{"alg of another key type", proof(t, k, alg, hdr("jwk", publicJWK(kt.otherType(), nil))), get, dpop.ErrInvalidProof, "dpop_algorithm"},
			{"no jwk", proof(t, k, alg, hdr("jwk", nil)), get, dpop.ErrInvalidProof, "dpop_key"},
			{"private jwk", proof(t, k, alg, hdr("jwk", publicJWK(k, map[string]any{"d": "c2VjcmV0"}))), get, dpop.ErrInvalidProof, "dpop_key"},
			{"signed by another key", proof(t, k, alg, hdr("jwk", publicJWK(kt.another(), nil))), get, dpop.ErrInvalidProof, "dpop_signature"},
			{"no jti", proof(t, k, alg, set("jti", nil)), get, dpop.ErrInvalidProof, "dpop_missing_claim"},
			{"jti too long", proof(t, k, alg, set("jti", strings.Repeat("j", 257))), get, dpop.ErrInvalidProof, "dpop_malformed"},
			{"no htu", proof(t, k, alg, set("htu", nil)), get, dpop.ErrInvalidProof, "dpop_missing_claim"},
			{"no ath with a token", proof(t, k, alg, set("ath", nil)), get, dpop.ErrInvalidProof, "dpop_missing_claim"},
			{"no ath, no token", proof(t, k, alg, set("ath", nil)), dpopcheck.Request{Method: "GET", URI: uri}, nil, ""},
			{"htm POST", proof(t, k, alg, set("htm", "POST")), get, dpop.ErrInvalidProof, "dpop_method"},
			{"htm get", proof(t, k, alg, set("htm", "get")), get, dpop.ErrInvalidProof, "dpop_method"},
			{"htu another path", proof(t, k, alg, set("htu", uri+"/1")), get, dpop.ErrInvalidProof, "dpop_uri"},
			{"htu another host", proof(t, k, alg, set("htu", "https://evil.example.com/orders")), get, dpop.ErrInvalidProof, "dpop_uri"},
			{"htu http", proof(t, k, alg, set("htu", "http://api.example.com/orders")), get, dpop.ErrInvalidProof, "dpop_uri"},
			{"htu with query and fragment", proof(t, k, alg, set("htu", uri+"?page=2#top")), dpopcheck.Request{Method: "GET", URI: uri + "?page=3", AccessToken: token}, nil, ""},
			{"htu normalized", proof(t, k, alg, set("htu", "HTTPS://API.Example.COM:443/%6frders")), get, nil, ""},
			{"htu not a URI", proof(t, k, alg, set("htu", "orders")), get, dpop.ErrInvalidProof, "dpop_uri"},
			{"iat too old", proof(t, k, alg, set("iat", time.Now().Add(-2*time.Minute).Unix())), get, dpop.ErrInvalidProof, "dpop_iat"},
			{"iat in the future", proof(t, k, alg, set("iat", time.Now().Add(time.Minute).Unix())), get, dpop.ErrInvalidProof, "dpop_iat"},
			{"iat a string", proof(t, k, alg, set("iat", "1700000000")), get, dpop.ErrInvalidProof, "dpop_malformed"},
			{"ath of another token", proof(t, k, alg, set("ath", ath("another"))), get, dpop.ErrInvalidProof, "dpop_ath"},
			{"two segments", "e30.e30", get, dpop.ErrInvalidProof, "dpop_malformed"},
			{"CR LF", strings.Replace(proof(t, k, alg, nil), ".", ".\r\n", 1), get, dpop.ErrInvalidProof, "dpop_malformed"},
			{"too large", strings.Repeat("a", 8<<10+1), get, dpop.ErrInvalidProof, "dpop_malformed"},
			{"empty", "", get, dpop.ErrInvalidProof, "dpop_malformed"},
		}
		if alg == "ES256" {
			tests = append(tests, check{"jwk off the curve", proof(t, k, alg, hdr("jwk", publicJWK(k, map[string]any{"y": b64.EncodeToString(make([]byte, 32))}))), get, dpop.ErrInvalidProof, "dpop_key"})
		}
		for _, tt := range tests {
			t.Run(alg+"/"+tt.name, func(t *testing.T) {
				_, err := dpopcheck.Verify(tt.proof, tt.req, dpopcheck.Options{})
				if tt.want == nil {
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					return
				}
				if !errors.Is(err, tt.want) || provider.Reason(err) != tt.code || !strings.HasPrefix(err.Error(), "dpop: ") {
					t.Fatalf("Verify: %v (reason %q), want %v (%q)", err, provider.Reason(err), tt.want, tt.code)
				}
				if tt.want != dpop.ErrUseNonce && !errors.Is(err, dpop.ErrInvalidProof) {
					t.Fatalf("%v does not match ErrInvalidProof", err)
				}
			})
		}
	}
}

// With server nonces, a proof must carry a valid one.
func TestNonceRequired(t *testing.T) {
	nonces := dpopcheck.NewNonces([]byte("the fleet's nonce secret, 32 bytes"), time.Minute)
	o := dpopcheck.Options{Nonces: nonces}
	ec := ecKey()
	withNonce := func(n string) func(h, c map[string]any) { return func(_, c map[string]any) { c["nonce"] = n } }
	if _, err := dpopcheck.Verify(proof(t, ec, "ES256", nil), get, o); !errors.Is(err, dpop.ErrUseNonce) || provider.Reason(err) != "dpop_nonce" {
		t.Errorf("no nonce: %v", err)
	}
	if _, err := dpopcheck.Verify(proof(t, ec, "ES256", withNonce("made-up")), get, o); !errors.Is(err, dpop.ErrUseNonce) {
		t.Errorf("a made-up nonce: %v", err)
	}
	if _, err := dpopcheck.Verify(proof(t, ec, "ES256", withNonce(nonces.Current())), get, o); err != nil {
		t.Errorf("the current nonce: %v", err)
	}
}

func TestOptions(t *testing.T) {
	p := proof(t, edKey(), "EdDSA", func(_, c map[string]any) { c["iat"] = time.Now().Add(-90 * time.Second).Unix() })
	if _, err := dpopcheck.Verify(p, get, dpopcheck.Options{Window: 2 * time.Minute}); err != nil {
		t.Errorf("a wider window: %v", err)
	}
	if _, err := dpopcheck.Verify(p, get, dpopcheck.Options{Algorithms: []string{"ES256"}, Window: 2 * time.Minute}); !refused(err, "dpop_algorithm") {
		t.Errorf("EdDSA not in Algorithms: %v", err)
	}
	// Options are middleware.New's to check; one that names a symmetric
	// algorithm still accepts no proof signed with it.
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"jti": "j", "htm": "GET", "htu": uri, "iat": time.Now().Unix(), "ath": ath(token)})
	tok.Header["typ"], tok.Header["jwk"] = "dpop+jwt", publicJWK(ecKey(), nil)
	hs, _ := tok.SignedString([]byte("a shared secret"))
	if _, err := dpopcheck.Verify(hs, get, dpopcheck.Options{Algorithms: []string{"HS256"}}); !refused(err, "dpop_algorithm") {
		t.Errorf("an HS256 proof, HS256 in Algorithms: %v, want refused", err)
	}
}

// An RSA proof key is 2048 to 4096 bits: the proof is checked before the
// token's binding, so its cost must not be the client's to choose.
func TestRSAKeySize(t *testing.T) {
	huge := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 4100), big.NewInt(1))
	p := proof(t, rsaKey(), "RS256", func(h, _ map[string]any) {
		h["jwk"] = map[string]any{"kty": "RSA", "n": b64.EncodeToString(huge.Bytes()), "e": "AQAB"}
	})
	if _, err := dpopcheck.Verify(p, get, dpopcheck.Options{}); !refused(err, "dpop_key") {
		t.Fatalf("a 4101-bit key: %v, want dpop_key", err)
	}
}

// BenchmarkVerifyVsSignature is Verify of an ES256 proof against the
// signature check alone, interleaved: what the checks around the
// signature cost.
func BenchmarkVerifyVsSignature(b *testing.B) {
	key := ecKey()
	p := proof(b, key, "ES256", nil)
	dot := strings.LastIndexByte(p, '.')
	sig, _ := b64.DecodeString(p[dot+1:])
	var tv, ts time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		for range 16 {
			if _, err := dpopcheck.Verify(p, get, dpopcheck.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for range 16 {
			if err := jwt.SigningMethodES256.Verify(p[:dot], sig, key.Public()); err != nil {
				b.Fatal(err)
			}
		}
		tv, ts, n = tv+t1.Sub(t0), ts+time.Since(t1), n+16
	}
	b.ReportMetric(float64(tv)/float64(n), "verify-ns/op")
	b.ReportMetric(float64(ts)/float64(n), "signature-ns/op")
	b.ReportMetric(float64(tv)/float64(ts), "verify/signature")
}
