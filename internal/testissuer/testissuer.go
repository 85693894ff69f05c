// Package testissuer is jwtguard's own test identity provider: it
// generates signing keys, serves them as a JWKS (and an OpenID
// configuration) from an httptest.Server, mints tokens, runs a
// client-credentials token endpoint, counts fetches and mints, and can be
// made to fail, stall or lie in every way the library's tests need
// (SetStatus, SetBody, Block, SetCacheControl, DisableConditional,
// SetTokenStatus, BlockTokens, SetClientQuota, SetDPoPNonces, OnRequest, …).
//
// It is internal: the public test issuer is package issuertest, a small
// wrapper over this one that exposes only what a user testing their own
// service needs. Its panic messages keep the "issuertest:" prefix, since
// that is the package users see them through.
//
// A handler test in a few lines:
//
//	iss := testissuer.New()
//	defer iss.Close()
//	p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: iss.URL, Audiences: []string{"api"}})
//	…
//	token := iss.Token("alice", "api", map[string]any{"scope": "read"})
//
// An Issuer is safe for concurrent use. It is meant for tests and local
// demos only: its keys live in memory and its endpoints have no access
// control.
package testissuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// JWKSPath, ConfigPath and TokenPath are where, under URL, an Issuer
// serves its key set, its OpenID configuration and its token endpoint.
//
// The token endpoint signs with the first key. Its parameters come from
// the query, a form body or a JSON object body (string values):
//
//   - grant_type=client_credentials, with client_id and client_secret (in
//     the body or HTTP Basic) of a client registered with SetClient, or
//     any while none is:
//     a machine-to-machine token as Auth0 mints it — sub
//     "<client_id>@clients", aud from audience, or else from the resource
//     parameters (RFC 8707; several make an array), scope from scope, gty
//     "client-credentials", azp the client id and a random jti. The answer
//     is {"access_token", "token_type": "Bearer", "expires_in"} (and
//     "scope" if one was asked for), or an OAuth error (invalid_client;
//     SetTokenStatus, SetTokenRetryAfter, SetClientQuota).
//   - anything else (a demo convenience, GET or POST): a token for the
//     parameters sub, aud, scope and groups (comma-separated).
//
// Both take ttl, a Go duration (default 1h; negative mints an expired
// token). With a DPoP header (RFC 9449 §5) the proof is checked — its htu
// the endpoint's URL — and the token bound to its key: cnf.jkt, and
// token_type "DPoP"; SetDPoPNonces requires a server nonce. Hooks set
// with OnRequest see every request once its parameters are parsed.
const (
	JWKSPath   = "/.well-known/jwks.json"
	ConfigPath = "/.well-known/openid-configuration"
	TokenPath  = "/token"
)

// Key is a signing key of the issuer.
type Key struct {
	KID     string
	Alg     string // RS256, ES256, EdDSA, …
	Private crypto.Signer
}

// Issuer is a running test identity provider. URL is its issuer (no
// trailing slash) and the base of its endpoints.
type Issuer struct {
	URL    string
	Server *httptest.Server

	mu        sync.Mutex
	keys      []Key // published, in order
	retired   []Key // removed, still able to sign
	clients   map[string]string
	tokStatus int
	body      []byte // the JWKS document as served; nil = build from keys
	status    int    // non-zero: answer the JWKS with this status
	gate      *sync.Mutex
	releases  []func() // of the gates closed, for Close
	issuer    string   // iss of minted tokens; URL by default
	lastMod   string
	noCache   bool
	cacheCtl  string // Cache-Control of the JWKS; "" for none
	fetches   atomic.Int64
	notMod    atomic.Int64
	mints     atomic.Int64
	onRequest func(*http.Request)

	tok tokenEndpoint // the token endpoint's modes and counts (token.go)
}

// New starts an Issuer over plain http on loopback with one RS256 key.
// Close it when done.
func New() *Issuer { return start(httptest.NewServer, true, "") }

// NewTLS is New over https (use Server.Client() to trust it).
func NewTLS() *Issuer { return start(httptest.NewTLSServer, true, "") }

// NewEmpty is New without any key.
func NewEmpty() *Issuer { return start(httptest.NewServer, false, "") }

// start starts an Issuer whose endpoints are under path (e.g. "/pool").
func start(newServer func(http.Handler) *httptest.Server, withKey bool, path string) *Issuer {
	i := &Issuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path+JWKSPath, i.serveJWKS)
	mux.HandleFunc("GET "+path+ConfigPath, i.serveConfig)
	mux.HandleFunc(path+TokenPath, i.serveToken)
	i.Server = newServer(mux)
	i.URL = i.Server.URL + path
	if withKey {
		i.AddKey("RS256")
	}
	return i
}

// Close opens every gate Block or BlockTokens closed, then shuts the
// server down.
func (i *Issuer) Close() {
	i.releaseAll()
	i.Server.Close()
}

// JWKSURL is the URL of the key set.
func (i *Issuer) JWKSURL() string { return i.URL + JWKSPath }

// Fetches is the number of JWKS requests served (any status).
func (i *Issuer) Fetches() int64 { return i.fetches.Load() }

// NotModified is the number of JWKS requests answered 304.
func (i *Issuer) NotModified() int64 { return i.notMod.Load() }

// Mints is the number of tokens issued by the token endpoint.
func (i *Issuer) Mints() int64 { return i.mints.Load() }

// SetIssuer sets the iss of minted tokens (default: URL).
func (i *Issuer) SetIssuer(iss string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.issuer = iss
}

// Issuer returns the iss of minted tokens.
func (i *Issuer) Issuer() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.issuer != "" {
		return i.issuer
	}
	return i.URL
}

// AddKey generates a key for alg (RS256/384/512, PS256/384/512,
// ES256/384/512 or EdDSA), publishes it after the keys already published
// and returns its kid.
func (i *Issuer) AddKey(alg string) string {
	var k crypto.Signer
	var err error
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		panic("issuertest: unsupported alg " + alg)
	}
	if err != nil {
		panic("issuertest: generating key: " + err.Error())
	}
	kid := newKID()
	i.Publish(Key{KID: kid, Alg: alg, Private: k})
	return kid
}

// Publish adds k to the published keys.
func (i *Issuer) Publish(k Key) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	i.lastMod = time.Now().UTC().Format(http.TimeFormat)
}

// Remove unpublishes the key kid (tokens it signs stop verifying once
// caches refresh). The key can still sign.
func (i *Issuer) Remove(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, k := range i.keys {
		if k.KID == kid {
			i.keys = append(i.keys[:n:n], i.keys[n+1:]...)
			i.retired = append(i.retired, k)
			i.lastMod = time.Now().UTC().Format(http.TimeFormat)
			return
		}
	}
}

// Keys returns the published keys.
func (i *Issuer) Keys() []Key {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Key(nil), i.keys...)
}

// KID returns the kid of the first published key.
func (i *Issuer) KID() string { return i.Keys()[0].KID }

// SetBody makes the JWKS endpoint serve body as is (nil: the keys again).
func (i *Issuer) SetBody(body []byte) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.body = body
}

// SetStatus makes the JWKS endpoint answer with status and no keys (0:
// serve normally).
func (i *Issuer) SetStatus(status int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.status = status
}

// SetCacheControl sets the max-age the JWKS is served with (0: no
// Cache-Control header).
func (i *Issuer) SetCacheControl(maxAge time.Duration) {
	v := ""
	if maxAge > 0 {
		v = "public, max-age=" + strconv.Itoa(int(maxAge.Seconds()))
	}
	i.SetCacheControlHeader(v)
}

// SetCacheControlHeader sets the Cache-Control header the JWKS is served
// with, as is ("" for none), e.g. "no-cache" or "max-age=0".
func (i *Issuer) SetCacheControlHeader(v string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cacheCtl = v
}

// DisableConditional makes the JWKS endpoint send no ETag or Last-Modified
// and ignore conditional requests.
func (i *Issuer) DisableConditional() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.noCache = true
}

// Block makes JWKS requests wait until release is called, then answer with
// what the issuer serves at that time; the fetch count still rises as each
// request arrives.
func (i *Issuer) Block() (release func()) { return i.block(&i.gate) }

// OnRequest calls f with every request the issuer receives, before it is
// answered (nil to stop).
func (i *Issuer) OnRequest(f func(*http.Request)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.onRequest = f
}

// JWKS returns the document the JWKS endpoint serves now.
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.jwksLocked()
}

func (i *Issuer) jwksLocked() []byte {
	if i.body != nil {
		return i.body
	}
	set := jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{}}
	for _, k := range i.keys {
		jwk, err := jwkset.NewJWKFromKey(k.Private.Public(), jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.KID, ALG: jwkset.ALG(k.Alg), USE: jwkset.UseSig},
		})
		if err != nil {
			panic("issuertest: marshaling key: " + err.Error())
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	b, err := json.Marshal(set)
	if err != nil {
		panic(err)
	}
	return b
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	i.fetches.Add(1)
	i.mu.Lock()
	gate, hook := i.gate, i.onRequest
	i.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	pass(gate)
	// Answer with what the issuer serves once released.
	i.mu.Lock()
	status, body, lastMod, noCache, cacheCtl := i.status, i.jwksLocked(), i.lastMod, i.noCache, i.cacheCtl
	i.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	if cacheCtl != "" {
		h.Set("Cache-Control", cacheCtl)
	}
	if !noCache {
		sum := sha256.Sum256(body)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
		h.Set("ETag", etag)
		if lastMod != "" {
			h.Set("Last-Modified", lastMod)
		}
		if r.Header.Get("If-None-Match") == etag {
			i.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	_, _ = w.Write(body)
}

func (i *Issuer) serveConfig(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                i.Issuer(),
		"jwks_uri":                              i.JWKSURL(),
		"token_endpoint":                        i.URL + TokenPath,
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "EdDSA"},
	})
}

// Sign signs claims with the published (or removed) key kid; "" means the
// first published key. The header carries the kid and the key's alg.
func (i *Issuer) Sign(kid string, claims jwt.MapClaims) string {
	return i.SignWithHeader(kid, nil, claims)
}

// SignWithHeader is Sign with extra (or, with a nil value, removed)
// header fields.
func (i *Issuer) SignWithHeader(kid string, header map[string]any, claims jwt.MapClaims) string {
	k := i.key(kid)
	t := jwt.NewWithClaims(jwt.GetSigningMethod(k.Alg), claims)
	t.Header["kid"] = k.KID
	for name, v := range header {
		if v == nil {
			delete(t.Header, name)
		} else {
			t.Header[name] = v
		}
	}
	s, err := t.SignedString(k.Private)
	if err != nil {
		panic("issuertest: signing: " + err.Error())
	}
	return s
}

// Claims returns claims for a token of this issuer: iss, sub, aud, iat and
// exp (ttl from now), plus extra.
func (i *Issuer) Claims(sub, aud string, ttl time.Duration, extra jwt.MapClaims) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": i.Issuer(), "sub": sub, "iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if aud != "" {
		c["aud"] = aud
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// Token signs a token with the first key for sub and aud, valid for an
// hour, with extra claims.
func (i *Issuer) Token(sub, aud string, extra jwt.MapClaims) string {
	return i.Sign("", i.Claims(sub, aud, time.Hour, extra))
}

var keyCounter atomic.Int64

func (i *Issuer) key(kid string) Key {
	i.mu.Lock()
	defer i.mu.Unlock()
	// The published keys, then the removed ones: they can still sign.
	for _, keys := range [][]Key{i.keys, i.retired} {
		for _, k := range keys {
			if kid == "" || k.KID == kid {
				return k
			}
		}
	}
	panic(fmt.Sprintf("issuertest: no key %q", kid))
}

func newKID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("k%d-%s", keyCounter.Add(1), base64.RawURLEncoding.EncodeToString(b[:]))
}
