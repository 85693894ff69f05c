package provider_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/provider"
)

// tenantServer is one httptest server publishing the keys of n tenants:
// tenant i's issuer is URL/t/i, its JWKS URL/t/i/jwks.json, and its key
// an Ed25519 key of its own (derived from a random seed of the server, so
// that ten thousand of them cost no key generation time).
type tenantServer struct {
	*httptest.Server
	seed    [32]byte
	fetches []atomic.Int64
	mu      sync.Mutex
	hang    map[int]chan struct{} // tenants whose JWKS requests hang until closed
	rotated map[int]bool          // tenants that publish their second key too
}

func newTenantServer(t testing.TB, n int) *tenantServer {
	ts := &tenantServer{fetches: make([]atomic.Int64, n), hang: map[int]chan struct{}{}, rotated: map[int]bool{}}
	if _, err := rand.Read(ts.seed[:]); err != nil {
		t.Fatal(err)
	}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tenantServer) issuer(i int) string { return ts.URL + "/t/" + strconv.Itoa(i) }

func (ts *tenantServer) key(i int) ed25519.PrivateKey { return ts.keyOf(i, 0) }

// keyOf is tenant i's key of generation gen (0, or 1 once rotated).
func (ts *tenantServer) keyOf(i, gen int) ed25519.PrivateKey {
	var b [41]byte
	copy(b[:], ts.seed[:])
	binary.BigEndian.PutUint64(b[32:], uint64(i))
	b[40] = byte(gen)
	s := sha256.Sum256(b[:])
	return ed25519.NewKeyFromSeed(s[:])
}

func (ts *tenantServer) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/t/")
	id, file, _ := strings.Cut(rest, "/")
	i, err := strconv.Atoi(id)
	if !ok || file != "jwks.json" || err != nil || i < 0 || i >= len(ts.fetches) {
		http.NotFound(w, r)
		return
	}
	ts.fetches[i].Add(1)
	ts.mu.Lock()
	hang, rotated := ts.hang[i], ts.rotated[i]
	ts.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	jwk := func(kid string, k ed25519.PrivateKey) string {
		return fmt.Sprintf(`{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":%q,"x":%q}`,
			kid, base64.RawURLEncoding.EncodeToString(k.Public().(ed25519.PublicKey)))
	}
	keys := jwk(fmt.Sprintf("k%d", i), ts.key(i))
	if rotated {
		keys += "," + jwk(fmt.Sprintf("k%d.1", i), ts.keyOf(i, 1))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"keys":[%s]}`, keys)
}

// rotate makes tenant i publish a second key (kid k<i>.1) and returns a
// token signed with it.
func (ts *tenantServer) rotate(i int, sub string) string {
	ts.mu.Lock()
	ts.rotated[i] = true
	ts.mu.Unlock()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": ts.issuer(i), "sub": sub, "aud": testAudience, "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = fmt.Sprintf("k%d.1", i)
	return must(tok.SignedString(ts.keyOf(i, 1)))
}

// hangJWKS makes tenant i's JWKS requests hang until the returned
// function is called.
func (ts *tenantServer) hangJWKS(i int) (release func()) {
	ch := make(chan struct{})
	ts.mu.Lock()
	ts.hang[i] = ch
	ts.mu.Unlock()
	return sync.OnceFunc(func() { close(ch) })
}

// token returns a token of tenant i for sub, valid for an hour.
func (ts *tenantServer) token(i int, sub string) string {
	return ts.tokenFor(i, ts.issuer(i), fmt.Sprintf("k%d", i), sub)
}

// tokenFor signs with tenant i's key a token naming iss and kid.
func (ts *tenantServer) tokenFor(i int, iss, kid, sub string) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": iss, "sub": sub, "aud": testAudience, "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = kid
	return must(tok.SignedString(ts.key(i)))
}

// tenantOf returns the tenant number of an issuer of ts, or -1.
func (ts *tenantServer) tenantOf(iss string) int {
	id, ok := strings.CutPrefix(iss, ts.URL+"/t/")
	i, err := strconv.Atoi(id)
	if !ok || err != nil || i < 0 || i >= len(ts.fetches) || strconv.Itoa(i) != id {
		return -1
	}
	return i
}

// resolver returns a Resolver that accepts the tenants for which allow
// is true, counting its calls.
func (ts *tenantServer) resolver(calls *atomic.Int64, allow func(i int) bool) provider.Resolver {
	return func(ctx context.Context, iss string) (provider.Provider, error) {
		calls.Add(1)
		i := ts.tenantOf(iss)
		if i < 0 || !allow(i) {
			return nil, nil
		}
		return provider.NewOIDC(ctx, provider.OIDCConfig{
			Issuer: iss, JWKSURL: iss + "/jwks.json", Audiences: []string{testAudience}, Algorithms: []string{"EdDSA"},
		})
	}
}

// totalFetches is the number of JWKS requests of every tenant.
func (ts *tenantServer) totalFetches() int64 {
	var n int64
	for i := range ts.fetches {
		n += ts.fetches[i].Load()
	}
	return n
}
