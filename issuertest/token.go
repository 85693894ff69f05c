package issuertest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

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

// serveToken issues tokens signed with the first key.
//
// With grant_type=client_credentials (form body, credentials in the body
// or HTTP Basic) it issues a machine-to-machine token: sub
// "<client_id>@clients", aud from audience, scope from scope, gty
// "client-credentials". Otherwise (a demo convenience, GET or POST) it
// issues a token for the parameters sub, aud, scope, groups
// (comma-separated) and ttl (a Go duration, default 1h; negative mints an
// expired token).
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	i.mu.Lock()
	status, clients := i.tokStatus, i.clients
	i.mu.Unlock()
	if status != 0 {
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
	if s := r.Form.Get("scope"); s != "" {
		extra["scope"] = s
	}
	var sub, aud string
	if r.Form.Get("grant_type") == "client_credentials" {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		if want, known := clients[id]; len(clients) > 0 && (!known || want != secret) {
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		sub, aud = id+"@clients", r.Form.Get("audience")
		extra["gty"] = "client-credentials"
		extra["azp"] = id
	} else {
		sub, aud = r.Form.Get("sub"), r.Form.Get("aud")
		if g := r.Form.Get("groups"); g != "" {
			extra["groups"] = strings.Split(g, ",")
		}
	}
	token := i.Sign("", i.Claims(sub, aud, ttl, extra))
	i.mints.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int(ttl.Seconds()),
	})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}
