package m2m_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// A source with a DPoP key gets tokens bound to it — through the token
// endpoint's nonce — and its Transport calls a DPoP-only API with them,
// answering the API's nonce once, bodies included.
func TestDPoP(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jkt, _ := dpop.Thumbprint(key.Public())
	iss, requests := newIssuer(t)
	iss.SetDPoPNonces(dpopcheck.NewNonces([]byte("the fleet's nonce secret, 32 bytes"), time.Minute))
	cfg := sourceConfig(iss, nil)
	cfg.DPoPKey = key
	ts := m2mtest.NewSource(t, cfg)
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "DPoP" || requests.Load() != 2 {
		t.Fatalf("token type %q after %d token requests, want DPoP after 2 (the nonce asked for, then the token)", tok.TokenType, requests.Load())
	}
	if c := verifyToken(t, iss, tok.AccessToken, testAudience); c.BoundKey() != jkt {
		t.Fatalf("token bound to %q, want the source's key %q", c.BoundKey(), jkt)
	}

	// The API: DPoP only, with nonces of its own.
	oidc, err := provider.NewOIDC(t.Context(), provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{oidc}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	mw, err := middleware.New(middleware.Config{Verifier: v, DPoP: middleware.DPoPConfig{Mode: middleware.DPoPRequired, NonceSecret: []byte("the API's nonce secret, 32 bytes..")}})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	api := httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, middleware.ProofFromContext(r.Context()).JKT+" "+string(body))
	})))
	defer api.Close()
	counting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	for i, body := range []string{"", "an order", ""} {
		// A Transport per request: the API's nonce is the source's, kept
		// for all of them.
		client := &http.Client{Transport: ts.Transport(counting)}
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		req, err := http.NewRequest(method, api.URL+"/orders?page=1", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != jkt+" "+body {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, got)
		}
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("%d API calls for 3 requests, want 4 (one nonce asked for)", n)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d token requests, want 2: the token is reused", n)
	}
}

// A token endpoint that answers a bearer token to a DPoP token request
// fails the refresh: the token is not what was asked for.
func TestDPoPUnboundAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"x","token_type":"Bearer","expires_in":3600}`)
	}))
	defer srv.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts := m2mtest.NewSource(t, m2m.Config{TokenURL: srv.URL, ClientID: "c", ClientSecret: "s", DPoPKey: key})
	if _, err := ts.Token(); err == nil || !strings.Contains(err.Error(), "did not bind") {
		t.Fatalf("Token: %v, want an unbound token refused", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The proxy forwards a DPoP token request upstream with its proof,
// uncached: each costs its own upstream call, the endpoint's nonce comes
// back to the caller, and the token is bound to the caller's key — no
// other caller ever gets it.
func TestProxyDPoP(t *testing.T) {
	iss, requests := newVendorIssuer(t, 1)
	iss.SetDPoPNonces(dpopcheck.NewNonces([]byte("the fleet's nonce secret, 32 bytes"), time.Minute))
	p := newProxy(t, iss, nil)
	id, secret := vendor(0)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jkt, _ := dpop.Thumbprint(key.Public())
	upstream := iss.URL + testissuer.TokenPath // what the proof names: the endpoint checks it
	withProof := func(nonce string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("DPoP", testissuer.DPoPProof(key, http.MethodPost, upstream, "", nonce))
		}
	}
	w := post(p, formType, form(id, secret), withProof(""))
	nonce := w.Header().Get("DPoP-Nonce")
	if w.Code != http.StatusBadRequest || decode(t, w).Error != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("without the nonce: %d %s, nonce %q", w.Code, w.Body, nonce)
	}
	for range 2 {
		a := decode(t, post(p, formType, form(id, secret), withProof(nonce)))
		if a.TokenType != "DPoP" || verifyToken(t, iss, a.AccessToken, testAudience).BoundKey() != jkt {
			t.Fatalf("answer %+v: want a token bound to the caller's key", a)
		}
	}
	// Without a proof, the same client gets a bearer token from the cache:
	// never the bound one.
	for range 2 {
		if a := decode(t, post(p, formType, form(id, secret))); a.TokenType != "Bearer" {
			t.Fatalf("a request without a proof got a %q token", a.TokenType)
		}
	}
	if n := requests.Load(); n != 4 {
		t.Errorf("%d upstream token requests, want 4: three DPoP requests forwarded, one bearer token cached", n)
	}
}
