package testissuer

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
)

// QuotaHeader is the response header in which Auth0 reports what remains
// of a client's client-credentials token quota.
const QuotaHeader = "Auth0-Client-Quota-Limit"

// tokenEndpoint is the state of the token endpoint's failure modes and
// counters, guarded by Issuer.mu.
type tokenEndpoint struct {
	retryAfter time.Duration
	omitExpiry bool
	quotas     map[string][2]int // client id → tokens per hour, per day
	mints      map[string]int64  // client id → client-credentials tokens issued
	gate       *sync.Mutex
	nonces     *dpopcheck.Nonces // DPoP nonces required; nil for none
}

// SetClient registers a client for the client-credentials grant. Once any
// client is registered, that grant requires a registered id and secret.
func (i *Issuer) SetClient(id, secret string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.clients == nil {
		i.clients = make(map[string]string)
	}
	i.clients[id] = secret
}

// SetTokenStatus makes the token endpoint answer with status and an OAuth
// error body (0: issue tokens normally).
func (i *Issuer) SetTokenStatus(status int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tokStatus = status
}

// SetTokenRetryAfter makes the answers of SetTokenStatus carry a
// Retry-After header of d, in whole seconds (0: no header).
func (i *Issuer) SetTokenRetryAfter(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tok.retryAfter = d
}

// OmitExpiresIn makes the token endpoint leave expires_in out of its
// answers (the token itself still carries exp), as some providers do.
func (i *Issuer) OmitExpiresIn(omit bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tok.omitExpiry = omit
}

// SetClientQuota gives client id a quota of client-credentials tokens per
// hour and per day (0: no such bucket), as Auth0 does. Answers to that
// client then carry the Auth0-Client-Quota-Limit header, e.g.
// "b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200", where r counts
// down with every token issued to it (the counts never reset; t is the time
// to the end of the current UTC hour or day). A request past a quota is
// answered 429 too_many_requests with Retry-After.
func (i *Issuer) SetClientQuota(id string, perHour, perDay int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.tok.quotas == nil {
		i.tok.quotas = make(map[string][2]int)
	}
	i.tok.quotas[id] = [2]int{perHour, perDay}
}

// ClientMints is the number of client-credentials tokens issued to client
// id.
func (i *Issuer) ClientMints(id string) int64 {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.tok.mints[id]
}

// BlockTokens makes token requests wait, once parsed, until release is
// called.
func (i *Issuer) BlockTokens() (release func()) { return i.block(&i.tok.gate) }

// serveToken serves TokenPath (see its doc).
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := parseTokenRequest(r); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	i.mu.Lock()
	status, hook, gate, retryAfter := i.tokStatus, i.onRequest, i.tok.gate, i.tok.retryAfter
	i.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	pass(gate)
	if status != 0 {
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		}
		oauthError(w, status, "temporarily_unavailable")
		return
	}
	ttl := time.Hour
	if s := r.Form.Get("ttl"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		ttl = d
	}
	extra := jwt.MapClaims{}
	tokenType := "Bearer"
	if len(r.Header.Values("DPoP")) > 0 {
		jkt, err := i.checkDPoP(w, r)
		if err != nil {
			return
		}
		extra["cnf"], tokenType = map[string]any{"jkt": jkt}, "DPoP"
	}
	scope := r.Form.Get("scope")
	if scope != "" {
		extra["scope"] = scope
	}
	var sub, aud, client string
	if r.Form.Get("grant_type") == "client_credentials" {
		id, secret, ok := basicAuth(r)
		if !ok {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		if !i.knownClient(id, secret) {
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		if !i.spendQuota(w, id) {
			return
		}
		client, sub, aud = id, id+"@clients", r.Form.Get("audience")
		if rs := r.Form["resource"]; aud == "" && len(rs) == 1 {
			aud = rs[0]
		} else if aud == "" && len(rs) > 1 {
			extra["aud"] = rs
		}
		extra["gty"] = "client-credentials"
		extra["azp"] = id
		extra["jti"] = newJTI() // two tokens minted in one second differ
	} else {
		sub, aud = r.Form.Get("sub"), r.Form.Get("aud")
		if g := r.Form.Get("groups"); g != "" {
			extra["groups"] = strings.Split(g, ",")
		}
	}
	token := i.Sign("", i.Claims(sub, aud, ttl, extra))
	i.mints.Add(1)
	answer := map[string]any{"access_token": token, "token_type": tokenType}
	i.mu.Lock()
	if !i.tok.omitExpiry {
		answer["expires_in"] = int(ttl.Seconds())
	}
	i.mu.Unlock()
	if client != "" && scope != "" {
		answer["scope"] = scope
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(answer)
}

// knownClient reports whether id and secret may use the client-credentials
// grant: any may while no client is registered.
func (i *Issuer) knownClient(id, secret string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	want, known := i.clients[id]
	return len(i.clients) == 0 || known && want == secret
}

// parseTokenRequest fills r.Form from the query and a form or JSON body.
func parseTokenRequest(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return nil
	}
	var body map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&body); err != nil {
		return err
	}
	for k, v := range body {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("issuertest: JSON parameter %q is not a string", k)
		}
		r.Form.Set(k, s)
	}
	return nil
}

// basicAuth returns the client credentials of HTTP Basic, form-decoded as
// RFC 6749 §2.3.1 asks (left as sent if they do not decode).
func basicAuth(r *http.Request) (id, secret string, ok bool) {
	id, secret, ok = r.BasicAuth()
	if d, err := url.QueryUnescape(id); err == nil {
		id = d
	}
	if d, err := url.QueryUnescape(secret); err == nil {
		secret = d
	}
	return id, secret, ok
}

// spendQuota counts one token for client id against its quota and sets the
// quota header; if a quota is spent it answers 429 and returns false.
func (i *Issuer) spendQuota(w http.ResponseWriter, id string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	q, limited := i.tok.quotas[id]
	used := i.tok.mints[id]
	if limited {
		now := time.Now().UTC()
		hour := now.Truncate(time.Hour).Add(time.Hour).Sub(now)
		day := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC).Sub(now)
		var parts []string
		wait := time.Duration(0)
		for _, b := range []struct {
			name  string
			quota int
			reset time.Duration
		}{{"per_hour", q[0], hour}, {"per_day", q[1], day}} {
			if b.quota == 0 {
				continue
			}
			left := max(0, int64(b.quota)-used-1)
			if used >= int64(b.quota) {
				left, wait = 0, max(wait, b.reset)
			}
			parts = append(parts, fmt.Sprintf("b=%s;q=%d;r=%d;t=%d", b.name, b.quota, left, int(b.reset.Seconds())))
		}
		w.Header().Set(QuotaHeader, strings.Join(parts, ","))
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
			oauthError(w, http.StatusTooManyRequests, "too_many_requests")
			return false
		}
	}
	if i.tok.mints == nil {
		i.tok.mints = make(map[string]int64)
	}
	i.tok.mints[id] = used + 1
	return true
}

func newJTI() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

// SetDPoPNonces makes the token endpoint require a DPoP proof's nonce
// from n (RFC 9449 §8): a proof without a valid one gets 400
// use_dpop_nonce with a DPoP-Nonce header. nil requires none.
func (i *Issuer) SetDPoPNonces(n *dpopcheck.Nonces) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tok.nonces = n
}

// checkDPoP checks the DPoP proof of a token request (RFC 9449 §5) and
// returns its key's thumbprint, the token's cnf.jkt; on a refusal it has
// answered the request.
func (i *Issuer) checkDPoP(w http.ResponseWriter, r *http.Request) (string, error) {
	i.mu.Lock()
	nonces := i.tok.nonces
	i.mu.Unlock()
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		oauthError(w, http.StatusBadRequest, "invalid_dpop_proof")
		return "", errors.New("DPoP headers")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	p, err := dpopcheck.Verify(proofs[0], dpopcheck.Request{Method: r.Method, URI: scheme + "://" + r.Host + r.URL.Path}, dpopcheck.Options{Nonces: nonces})
	switch {
	case errors.Is(err, dpop.ErrUseNonce):
		w.Header().Set("DPoP-Nonce", nonces.Current())
		oauthError(w, http.StatusBadRequest, "use_dpop_nonce")
		return "", err
	case err != nil:
		oauthError(w, http.StatusBadRequest, "invalid_dpop_proof")
		return "", err
	}
	return p.JKT, nil
}
