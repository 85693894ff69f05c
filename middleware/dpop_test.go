package middleware_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/dpop/redisreplay"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/redis/go-redis/v9"
)

var (
	clientKey = sync.OnceValue(func() crypto.Signer { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k })
	otherKey  = sync.OnceValue(func() crypto.Signer { _, k, _ := ed25519.GenerateKey(rand.Reader); return k })
)

const publicURL = "https://api.example.com"

// dpopRequest is a request to path with credentials: scheme and token in
// Authorization, and the DPoP headers given.
func dpopRequest(method, path, scheme, token string, proofs ...string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	if token != "" {
		r.Header.Set("Authorization", scheme+" "+token)
	}
	for _, p := range proofs {
		r.Header.Add("DPoP", p)
	}
	return r
}

// thumbprintEcho answers 200 with the proof's key thumbprint, "-" without
// a proof.
var thumbprintEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if p := middleware.ProofFromContext(r.Context()); p != nil {
		fmt.Fprint(w, p.JKT)
		return
	}
	fmt.Fprint(w, "-")
})

func dpopMiddleware(t *testing.T, d middleware.DPoPConfig) http.Handler {
	t.Helper()
	if d.PublicURL == "" && d.TrustedProxies == nil {
		d.PublicURL = publicURL
	}
	return newMiddleware(t, middleware.Config{DPoP: d}).Handler(thumbprintEcho)
}

func TestDPoP(t *testing.T) {
	key := clientKey()
	jkt, _ := dpop.Thumbprint(key.Public())
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	bearer := token("alice", nil)
	uri := publicURL + "/orders"
	proof := func(k crypto.Signer, tok string) string { return testissuer.DPoPProof(k, "GET", uri, tok, "") }
	h := dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPAllowed})

	replayed := proof(key, bound)
	tests := []struct {
		name      string
		req       *http.Request
		status    int
		code      string // WWW-Authenticate's error
		challenge string // the scheme of the first challenge
	}{
		{"bound token with its proof", dpopRequest("GET", "/orders", "DPoP", bound, replayed), 200, "", ""},
		{"the same proof again", dpopRequest("GET", "/orders", "DPoP", bound, replayed), 401, "invalid_dpop_proof", "DPoP"},
		{"bound token as a bearer token", dpopRequest("GET", "/orders", "Bearer", bound), 401, "invalid_token", "Bearer"},
		{"bearer token", dpopRequest("GET", "/orders", "Bearer", bearer), 200, "", ""},
		{"unbound token with a proof", dpopRequest("GET", "/orders", "DPoP", bearer, proof(key, bearer)), 401, "invalid_token", "DPoP"},
		{"proof by another key", dpopRequest("GET", "/orders", "DPoP", bound, proof(otherKey(), bound)), 401, "invalid_token", "DPoP"},
		{"no proof", dpopRequest("GET", "/orders", "DPoP", bound), 401, "invalid_dpop_proof", "DPoP"},
		{"two proofs", dpopRequest("GET", "/orders", "DPoP", bound, proof(key, bound), proof(key, bound)), 401, "invalid_dpop_proof", "DPoP"},
		{"proof for another path", dpopRequest("GET", "/orders/1", "DPoP", bound, proof(key, bound)), 401, "invalid_dpop_proof", "DPoP"},
		{"proof for another method", dpopRequest("DELETE", "/orders", "DPoP", bound, proof(key, bound)), 401, "invalid_dpop_proof", "DPoP"},
		{"proof for another token", dpopRequest("GET", "/orders", "DPoP", bound, proof(key, bearer)), 401, "invalid_dpop_proof", "DPoP"},
		{"no token", dpopRequest("GET", "/orders", "", ""), 401, "", "Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req)
			if rec.Code != tt.status {
				t.Fatalf("status %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if tt.status == 200 {
				if tt.req.Header.Get("DPoP") != "" && rec.Body.String() != jkt {
					t.Errorf("handler saw proof key %q, want %q", rec.Body, jkt)
				}
				return
			}
			ch := rec.Header().Values("WWW-Authenticate")
			if len(ch) != 2 || !strings.HasPrefix(ch[0], tt.challenge+" ") || !strings.Contains(ch[0], `error="`+tt.code+`"`) != (tt.code == "") {
				t.Fatalf("challenges %q, want %s first with error %q, and both schemes", ch, tt.challenge, tt.code)
			}
			if !strings.Contains(strings.Join(ch, "\n"), `DPoP algs="ES256 ES384 ES512 EdDSA PS256 RS256"`) {
				t.Errorf("challenges %q lack the DPoP algs", ch)
			}
		})
	}
}

// DPoPRequired takes nothing but a bound token with its proof; the
// challenge is DPoP's only.
func TestDPoPRequired(t *testing.T) {
	h := dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPRequired})
	for name, req := range map[string]*http.Request{
		"bearer token": dpopRequest("GET", "/orders", "Bearer", token("alice", nil)),
		"no token":     dpopRequest("GET", "/orders", "", ""),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		ch := rec.Header().Values("WWW-Authenticate")
		if rec.Code != 401 || len(ch) != 1 || !strings.HasPrefix(ch[0], "DPoP algs=") {
			t.Errorf("%s: %d, challenges %q; want 401 with the DPoP challenge only", name, rec.Code, ch)
		}
	}
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, "")))
	if rec.Code != 200 {
		t.Fatalf("bound token with its proof: %d %s", rec.Code, rec.Body)
	}
}

// With DPoP off, a bound token is still refused as a bearer token, and
// the DPoP scheme is no token.
func TestDPoPOff(t *testing.T) {
	h := newMiddleware(t, middleware.Config{}).Handler(thumbprintEcho)
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	if rec := serve(h, "GET", "/orders", "Bearer "+bound); rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("bound token as a bearer token, DPoP off: %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	req := dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", "http://example.com/orders", bound, ""))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="test"` {
		t.Errorf("DPoP scheme, DPoP off: %d %q, want the no-token 401", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}

// Server nonces: a proof without one gets use_dpop_nonce and a DPoP-Nonce
// to use; the proof made with it passes.
func TestDPoPNonce(t *testing.T) {
	secret := []byte("the fleet's nonce secret, 32 bytes")
	nonces := dpopcheck.NewNonces(secret, time.Minute) // another replica's
	var checked []string
	hooks := checkedFunc(func(reason string) { checked = append(checked, reason) })
	h := dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPRequired, NonceSecret: secret, Metrics: &observe.Hooks{DPoP: hooks}})
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, "")))
	nonce := rec.Header().Get("DPoP-Nonce")
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="use_dpop_nonce"`) || !nonces.Valid(nonce) {
		t.Fatalf("without a nonce: %d %q, nonce %q", rec.Code, rec.Header().Get("WWW-Authenticate"), nonce)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, nonce)))
	if rec.Code != 200 {
		t.Fatalf("with the nonce: %d %s", rec.Code, rec.Body)
	}
	if strings.Join(checked, ",") != "dpop_nonce," {
		t.Errorf("hooks told %q, want a nonce asked for, then an accepted proof", checked)
	}
}

// checkedFunc receives DPoP checks (observe.DPoP).
type checkedFunc func(string)

func (f checkedFunc) Checked(reason string) { f(reason) }
func (checkedFunc) ReplayStoreFailed(error) {}

// htu behind proxies: forwarding headers count only from a trusted peer;
// a client that spoofs X-Forwarded-Host gets nowhere.
func TestDPoPBehindProxies(t *testing.T) {
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPAllowed, TrustedProxies: trusted})
	send := func(peer string, headers map[string]string, proofURI string) int {
		r := dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", proofURI, bound, ""))
		r.RemoteAddr, r.Host = peer, "internal:8080"
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	fwd := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
	if code := send("10.1.2.3:5555", fwd, publicURL+"/orders"); code != 200 {
		t.Errorf("from a trusted proxy: %d", code)
	}
	if code := send("10.1.2.3:5555", map[string]string{"Forwarded": `for=192.0.2.1;proto=https;host="api.example.com"`}, publicURL+"/orders"); code != 200 {
		t.Errorf("Forwarded from a trusted proxy: %d", code)
	}
	// A client's Forwarded header, passed through by a proxy that sets
	// X-Forwarded-*: the proxy's headers count.
	clientFwd := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com", "Forwarded": `proto=http;host=other.internal`}
	if code := send("10.1.2.3:5555", clientFwd, "http://other.internal/orders"); code != 401 {
		t.Errorf("a proof for the host of a client's Forwarded header: %d, want 401", code)
	}
	if code := send("192.0.2.7:5555", fwd, publicURL+"/orders"); code != 401 {
		t.Errorf("spoofed X-Forwarded-Host from a client: %d, want 401", code)
	}
	if code := send("192.0.2.7:5555", fwd, "http://internal:8080/orders"); code != 200 {
		t.Errorf("a client's proof for the URI the server sees: %d", code)
	}
}

// A bad DPoPConfig is refused by New, with an error naming the field.
func TestDPoPConfig(t *testing.T) {
	nonceSecret := []byte("the fleet's nonce secret, 32 bytes")
	allowed := func(d middleware.DPoPConfig) middleware.DPoPConfig { d.Mode = middleware.DPoPAllowed; return d }
	for name, tt := range map[string]struct {
		cfg   middleware.Config
		field string // what the error names
	}{
		"custom extractor":        {middleware.Config{Extractor: middleware.BearerToken, DPoP: allowed(middleware.DPoPConfig{})}, "Config.Extractor"},
		"public URL path":         {middleware.Config{DPoP: allowed(middleware.DPoPConfig{PublicURL: "https://api.example.com/v1"})}, "Config.DPoP.PublicURL"},
		"HS256 proofs":            {middleware.Config{DPoP: allowed(middleware.DPoPConfig{Algorithms: []string{"HS256"}})}, "Config.DPoP.Algorithms"},
		"no proof algorithm":      {middleware.Config{DPoP: allowed(middleware.DPoPConfig{Algorithms: []string{}})}, "Config.DPoP.Algorithms"},
		"mode 7":                  {middleware.Config{DPoP: middleware.DPoPConfig{Mode: 7}}, "Config.DPoP.Mode"},
		"negative window":         {middleware.Config{DPoP: allowed(middleware.DPoPConfig{Window: -time.Second})}, "Config.DPoP.Window"},
		"negative leeway":         {middleware.Config{DPoP: allowed(middleware.DPoPConfig{Leeway: -3 * time.Second})}, "Config.DPoP.Leeway"},
		"short nonce secret":      {middleware.Config{DPoP: allowed(middleware.DPoPConfig{NonceSecret: []byte("short")})}, "Config.DPoP.NonceSecret"},
		"empty nonce secret":      {middleware.Config{DPoP: allowed(middleware.DPoPConfig{NonceSecret: []byte("")})}, "Config.DPoP.NonceSecret"},
		"short nonce period":      {middleware.Config{DPoP: allowed(middleware.DPoPConfig{NonceSecret: nonceSecret, NoncePeriod: time.Millisecond})}, "Config.DPoP.NoncePeriod"},
		"negative nonce period":   {middleware.Config{DPoP: allowed(middleware.DPoPConfig{NonceSecret: nonceSecret, NoncePeriod: -time.Minute})}, "Config.DPoP.NoncePeriod"},
		"nonce period, no secret": {middleware.Config{DPoP: allowed(middleware.DPoPConfig{NoncePeriod: time.Minute})}, "Config.DPoP.NoncePeriod"},
	} {
		tt.cfg.Verifier = newVerifier(t)
		if _, err := middleware.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tt.field)
		}
	}
	if _, err := middleware.New(middleware.Config{Verifier: newVerifier(t), DPoP: allowed(middleware.DPoPConfig{NonceSecret: nonceSecret, NoncePeriod: time.Second})}); err != nil {
		t.Errorf("a nonce period of a second: %v", err)
	}
}

// Algorithms are the proof algorithms taken and announced.
func TestDPoPAlgorithms(t *testing.T) {
	h := dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPRequired, Algorithms: []string{"EdDSA"}})
	bound := plain.DPoPToken("alice", "api", clientKey().Public(), nil) // an EC key: ES256 proofs
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(clientKey(), "GET", publicURL+"/orders", bound, "")))
	if ch := rec.Header().Get("WWW-Authenticate"); rec.Code != 401 || !strings.HasPrefix(ch, `DPoP algs="EdDSA", error="invalid_dpop_proof"`) {
		t.Errorf("an ES256 proof, Algorithms EdDSA: %d %q", rec.Code, ch)
	}
	bound = plain.DPoPToken("alice", "api", otherKey().Public(), nil) // Ed25519
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(otherKey(), "GET", publicURL+"/orders", bound, "")))
	if rec.Code != 200 {
		t.Errorf("an EdDSA proof, Algorithms EdDSA: %d %s", rec.Code, rec.Body)
	}
}

// Algorithms are copied: changing the caller's slice afterwards changes
// neither the proofs taken nor the algorithms announced.
func TestDPoPAlgorithmsCopied(t *testing.T) {
	algs := []string{"ES256"}
	h := dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPRequired, Algorithms: algs})
	algs[0] = "EdDSA"
	bound := plain.DPoPToken("alice", "api", otherKey().Public(), nil) // Ed25519
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(otherKey(), "GET", publicURL+"/orders", bound, "")))
	if ch := rec.Header().Get("WWW-Authenticate"); rec.Code != 401 || !strings.HasPrefix(ch, `DPoP algs="ES256", error="invalid_dpop_proof"`) {
		t.Errorf("an EdDSA proof after the caller's slice changed to EdDSA: %d %q", rec.Code, ch)
	}
}

// Window and Leeway reach the proof check: a proof is remembered (and
// taken) until its iat + Window + Leeway, by default a minute and 5 s.
func TestDPoPWindow(t *testing.T) {
	lifetime := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := middleware.ProofFromContext(r.Context())
		fmt.Fprint(w, p.Expires.Sub(p.IssuedAt))
	})
	for _, tt := range []struct {
		window, leeway time.Duration
		want           string
	}{
		{0, 0, "1m5s"},
		{2 * time.Minute, 0, "2m5s"},
		{0, 7 * time.Second, "1m7s"},
		{10 * time.Second, time.Second, "11s"},
	} {
		cfg := middleware.DPoPConfig{Mode: middleware.DPoPRequired, PublicURL: publicURL, Window: tt.window, Leeway: tt.leeway}
		h := newMiddleware(t, middleware.Config{DPoP: cfg}).Handler(lifetime)
		bound := plain.DPoPToken("alice", "api", clientKey().Public(), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, testissuer.DPoPProof(clientKey(), "GET", publicURL+"/orders", bound, "")))
		if rec.Code != 200 || rec.Body.String() != tt.want {
			t.Errorf("Window %v, Leeway %v: %d %q, want a proof remembered for %s", tt.window, tt.leeway, rec.Code, rec.Body, tt.want)
		}
	}
}

// Two replicas sharing the replay check through Redis (dpop/redisreplay):
// a proof accepted by one is refused by the other. REDIS_ADDR, if set, is
// a real Redis; else an in-memory one.
func TestDPoPReplayAcrossReplicas(t *testing.T) {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = miniredis.RunT(t).Addr()
	}
	prefix := "jwtguard-test:dpop-mw:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	replica := func() http.Handler {
		c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { c.Close() })
		store, err := redisreplay.New(redisreplay.Config{Client: c, Prefix: prefix, Secret: []byte("the tests' fleet secret, 32 bytes+")})
		if err != nil {
			t.Fatal(err)
		}
		return dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPRequired, Replays: store})
	}
	a, b := replica(), replica()
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	proof := testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, "")
	for i, h := range []http.Handler{a, b} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, dpopRequest("GET", "/orders", "DPoP", bound, proof))
		if want := []int{200, 401}[i]; rec.Code != want {
			t.Fatalf("replica %d: %d %s, want %d", i, rec.Code, rec.Body, want)
		}
	}
}

// htu names the path the client sent, not the one a router rewrote.
func TestDPoPStripPrefix(t *testing.T) {
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	h := http.StripPrefix("/api", dpopMiddleware(t, middleware.DPoPConfig{Mode: middleware.DPoPRequired}))
	for _, tt := range []struct {
		htu  string
		want int
	}{{publicURL + "/orders", 401}, {publicURL + "/api/orders", 200}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, dpopRequest("GET", "/api/orders", "DPoP", bound, testissuer.DPoPProof(key, "GET", tt.htu, bound, "")))
		if rec.Code != tt.want {
			t.Errorf("proof for %s at /api/orders under StripPrefix: %d, want %d", tt.htu, rec.Code, tt.want)
		}
	}
}
