package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
)

// The stand-ins' names.
const (
	demoPool     = "local_demo"
	demoClient   = "orders-app"
	m2mClient    = "orders-service"
	m2mSecret    = "orders-service-secret"
	billingAud   = "https://billing.example"
	demoCustomer = "alice"
)

// demo runs, on loopback, what the service talks to: a Cognito pool, the
// identity provider of the billing API (its token endpoint), the billing
// API, which checks the token it is called with, and an in-memory Redis
// unless a real one is given.
type demo struct {
	pool      *issuertest.Issuer
	idp       *issuertest.Issuer
	billing   *httptest.Server
	verifier  *provider.Verifier // billing's
	charges   atomic.Int64       // charges billing accepted
	redis     *miniredis.Miniredis
	redisAddr string
}

func startDemo(redisAddr string) (_ *demo, err error) {
	d := &demo{pool: issuertest.NewCognito(demoPool), idp: issuertest.New(), redisAddr: redisAddr}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	d.idp.SetClient(m2mClient, m2mSecret)
	if redisAddr == "" {
		if d.redis, err = miniredis.Run(); err != nil {
			return nil, err
		}
		d.redisAddr = d.redis.Addr()
	}
	billingIdP, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
		Issuer: d.idp.Issuer(), JWKSURL: d.idp.JWKSURL(), Audiences: []string{billingAud},
	})
	if err != nil {
		return nil, err
	}
	if d.verifier, err = provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{billingIdP}}); err != nil {
		return nil, err
	}
	d.billing = httptest.NewServer(http.HandlerFunc(d.charge))
	return d, nil
}

// charge is the billing API: POST /charges with a valid client-credentials
// token.
func (d *demo) charge(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if r.Method != http.MethodPost || r.URL.Path != "/charges" {
		http.NotFound(w, r)
		return
	}
	if !ok {
		http.Error(w, "a bearer token is required", http.StatusUnauthorized)
		return
	}
	if _, err := d.verifier.Verify(r.Context(), token); err != nil {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	d.charges.Add(1)
	w.WriteHeader(http.StatusCreated)
}

// config is the service's configuration for the stand-ins.
func (d *demo) config(addr string) config {
	secret := make([]byte, 32) // a demo's secrets: fixed, and printed nowhere
	copy(secret, "demo secret of the key sets.....")
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	return config{
		Addr:     addr,
		Endpoint: d.pool.Server.URL, UserPoolID: demoPool, ClientID: demoClient,
		RedisAddr: d.redisAddr, JWKSSecret: secret, TokenKey: key,
		BillingURL: d.billing.URL,
		TokenURL:   d.idp.URL + issuertest.TokenPath, M2MClient: m2mClient, M2MSecret: m2mSecret,
		BillingAudience: billingAud,
	}
}

// token is an access token of the pool for the demo customer with scopes.
func (d *demo) token(scopes string) string {
	return d.pool.Sign("", d.pool.Claims(demoCustomer, "", time.Hour, jwt.MapClaims{
		"token_use": "access", "client_id": demoClient, "scope": scopes, "username": demoCustomer,
	}))
}

// usage is what to try, with tokens.
func (d *demo) usage(addr string) string {
	read, write := d.token("orders/read"), d.token("orders/read orders/write")
	return fmt.Sprintf(`
Stand-ins: Cognito pool %s, billing at %s, Redis at %s.
  curl -i http://%s/api/orders                                     # 401
  curl -i -H 'Authorization: Bearer %s' http://%s/api/orders       # 200
  curl -i -X POST -H 'Authorization: Bearer %s' http://%s/api/orders   # 403: no orders/write
  curl -i -X POST -H 'Authorization: Bearer %s' http://%s/api/orders   # 201, billing called with one shared m2m token
  curl -s http://%s/metrics | grep ^jwtguard_
`, d.pool.Issuer(), d.billing.URL, d.redisAddr, addr, read, addr, read, addr, write, addr, addr)
}

// Close stops the stand-ins.
func (d *demo) Close() {
	for _, c := range []interface{ Close() }{d.pool, d.idp} {
		c.Close()
	}
	if d.billing != nil {
		d.billing.Close()
	}
	if d.verifier != nil {
		d.verifier.Close()
	}
	if d.redis != nil {
		d.redis.Close()
	}
}
