package issuertest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/issuertest"
)

// get answers GET url with c: the status and the body.
func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// parse returns the unverified header and claims of token.
func parse(t *testing.T, token string) (map[string]any, jwt.MapClaims) {
	t.Helper()
	c := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(token, c)
	if err != nil {
		t.Fatalf("token %q: %v", token, err)
	}
	return tok.Header, c
}

// The key set: published keys, rotation, the fetch count and an outage.
func TestKeys(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	first := iss.KID()
	if status, body := get(t, http.DefaultClient, iss.JWKSURL()); status != http.StatusOK || !strings.Contains(body, first) {
		t.Fatalf("JWKS: %d %s; want 200 with kid %s", status, body, first)
	}
	next := iss.AddKey("ES256")
	iss.Remove(first)
	if _, body := get(t, http.DefaultClient, iss.JWKSURL()); strings.Contains(body, first) || !strings.Contains(body, next) {
		t.Fatalf("JWKS after rotation: %s; want %s, not %s", body, next, first)
	}
	if iss.KID() != next {
		t.Errorf("KID %s after rotation, want %s", iss.KID(), next)
	}
	iss.SetStatus(http.StatusServiceUnavailable)
	if status, _ := get(t, http.DefaultClient, iss.JWKSURL()); status != http.StatusServiceUnavailable {
		t.Errorf("JWKS with SetStatus(503): %d", status)
	}
	iss.SetStatus(0)
	if status, _ := get(t, http.DefaultClient, iss.JWKSURL()); status != http.StatusOK {
		t.Errorf("JWKS with SetStatus(0): %d", status)
	}
	if iss.Fetches() != 4 {
		t.Errorf("Fetches %d, want 4", iss.Fetches())
	}
	// A removed key still signs.
	h, c := parse(t, iss.Sign(first, iss.Claims("alice", "api", -time.Minute, nil)))
	if h["kid"] != first || h["alg"] != "RS256" || c["iss"] != iss.URL || c["sub"] != "alice" || c["aud"] != "api" {
		t.Errorf("Sign(removed key): header %v, claims %v", h, c)
	}
	if exp, _ := c.GetExpirationTime(); exp == nil || !exp.Before(time.Now()) {
		t.Errorf("Claims with a negative ttl: exp %v, want the past", exp)
	}
	h, c = parse(t, iss.Token("bob", "api", jwt.MapClaims{"scope": "read", "exp": 1}))
	if h["kid"] != next || h["alg"] != "ES256" || c["scope"] != "read" || c["exp"] != float64(1) {
		t.Errorf("Token: header %v, claims %v", h, c)
	}
}

// The token endpoint's client-credentials grant, for registered clients.
func TestTokenEndpoint(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	iss.SetClient("svc", "secret")
	post := func(secret string) int {
		resp, err := http.PostForm(iss.URL+issuertest.TokenPath, url.Values{
			"grant_type": {"client_credentials"}, "client_id": {"svc"}, "client_secret": {secret}, "audience": {"api"},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&a)
		if resp.StatusCode == http.StatusOK {
			if _, c := parse(t, a.AccessToken); c["sub"] != "svc@clients" || c["aud"] != "api" {
				t.Errorf("client-credentials claims %v", c)
			}
		}
		return resp.StatusCode
	}
	if status := post("secret"); status != http.StatusOK {
		t.Errorf("registered client: %d", status)
	}
	if status := post("wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", status)
	}
	if iss.Mints() != 1 {
		t.Errorf("Mints %d, want 1", iss.Mints())
	}
}

// The stand-ins: issuers and token shapes.
func TestStandIns(t *testing.T) {
	tlsIss := issuertest.NewTLS()
	defer tlsIss.Close()
	if status, _ := get(t, tlsIss.Server.Client(), tlsIss.JWKSURL()); !strings.HasPrefix(tlsIss.URL, "https://") || status != http.StatusOK {
		t.Errorf("NewTLS: URL %s, JWKS %d", tlsIss.URL, status)
	}

	pool := issuertest.NewCognito("eu-west-1_Pool")
	defer pool.Close()
	if pool.URL != pool.Server.URL+"/eu-west-1_Pool" || pool.Issuer() != pool.URL {
		t.Errorf("NewCognito: URL %s, issuer %s", pool.URL, pool.Issuer())
	}
	if _, c := parse(t, pool.CognitoToken("access", "app", "alice", "admin")); c["token_use"] != "access" || c["client_id"] != "app" || c["username"] != "alice" {
		t.Errorf("CognitoToken claims %v", c)
	}

	tenant := issuertest.NewAuth0()
	defer tenant.Close()
	if tenant.Issuer() != "https://"+tenant.Domain()+"/" {
		t.Errorf("NewAuth0: issuer %s, domain %s", tenant.Issuer(), tenant.Domain())
	}
	if _, c := parse(t, tenant.Auth0Token("auth0|alice", "https://api", "read:x")); c["aud"] != "https://api" || c["iss"] != tenant.Issuer() {
		t.Errorf("Auth0Token claims %v", c)
	}
}

// A DPoP-bound token and a proof for it agree on the key.
func TestDPoP(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	token := iss.DPoPToken("alice", "api", key.Public(), nil)
	const uri = "https://api.example.com/orders"
	proof, err := dpop.NewProof(key, http.MethodGet, uri, token, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := dpopcheck.Verify(proof, dpopcheck.Request{Method: http.MethodGet, URI: uri, AccessToken: token}, dpopcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, c := parse(t, token); c["cnf"].(map[string]any)["jkt"] != p.JKT {
		t.Errorf("cnf %v, proof's key %s", c["cnf"], p.JKT)
	}
}
