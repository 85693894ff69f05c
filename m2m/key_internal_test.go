package m2m

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/dpop"
	"golang.org/x/oauth2"
)

// Store keys: one per token URL, client, secret, audience, scope set and
// endpoint parameters; hex digests that name neither client nor secret.
func TestSourceKey(t *testing.T) {
	base := Config{TokenURL: "https://t.example/oauth/token", ClientID: "client-a", ClientSecret: "secret-a",
		Audience: "https://api", Scopes: []string{"b", "a"}}
	key := sourceKey(&base)
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		t.Fatalf("key %q is not a hex SHA-256", key)
	}
	same := []func(*Config){
		func(c *Config) { c.Scopes = []string{"a", "b", "a"} },
		func(c *Config) { c.AuthStyle = oauth2.AuthStyleInHeader },
	}
	for i, mod := range same {
		c := base
		mod(&c)
		if sourceKey(&c) != key {
			t.Errorf("same token, case %d: another key", i)
		}
	}
	other := map[string]func(*Config){
		"token URL": func(c *Config) { c.TokenURL = "https://u.example/oauth/token" },
		"client":    func(c *Config) { c.ClientID = "client-b" },
		"secret":    func(c *Config) { c.ClientSecret = "secret-b" },
		"audience":  func(c *Config) { c.Audience = "https://api2" },
		"scopes":    func(c *Config) { c.Scopes = []string{"a"} },
		"params":    func(c *Config) { c.EndpointParams = url.Values{"organization": {"org_1"}} },
		"resource":  func(c *Config) { c.Resource = []string{"https://api2"} },
		"dpop key": func(c *Config) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			c.DPoPKey = k
		},
		"shifted": func(c *Config) { c.ClientID, c.Audience = "client-ah", "ttps://api" },
	}
	for name, mod := range other {
		c := base
		mod(&c)
		if sourceKey(&c) == key {
			t.Errorf("another %s: same key", name)
		}
	}
	// A bearer source whose parameters name a key's thumbprint is not the
	// source bound to that key.
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jkt, _ := dpop.Thumbprint(k.Public())
	bound, bearer := base, base
	bound.DPoPKey = k
	bearer.EndpointParams = url.Values{"dpop_jkt": {jkt}}
	if sourceKey(&bound) == sourceKey(&bearer) {
		t.Error("a bearer source with dpop_jkt in its parameters has the key of the bound source")
	}
}

// Proxy keys: one per proxy secret, upstream, credentials style, client,
// secret, scope set and parameters; the order of scopes does not matter.
func TestProxyKey(t *testing.T) {
	p := &proxy{cfg: ProxyConfig{TokenURL: "https://t.example/oauth/token", Secret: []byte(strings.Repeat("s", 32))}}
	req := &tokenRequest{clientID: "v", clientSecret: "x", style: oauth2.AuthStyleInParams,
		scopes: []string{"b", "a"}, params: url.Values{"audience": {"https://api"}}}
	key := p.key(req)
	reordered := *req
	reordered.scopes = []string{"a", "b", "b"}
	if p.key(&reordered) != key {
		t.Error("same request, other scope order: another key")
	}
	other := map[string]func(*proxy, *tokenRequest){
		"client secret": func(_ *proxy, r *tokenRequest) { r.clientSecret = "y" },
		"client":        func(_ *proxy, r *tokenRequest) { r.clientID = "w" },
		"auth style":    func(_ *proxy, r *tokenRequest) { r.style = oauth2.AuthStyleInHeader },
		"scopes":        func(_ *proxy, r *tokenRequest) { r.scopes = []string{"a"} },
		"parameters":    func(_ *proxy, r *tokenRequest) { r.params = url.Values{"audience": {"https://api2"}} },
		"proxy secret":  func(p *proxy, _ *tokenRequest) { p.cfg.Secret = []byte(strings.Repeat("t", 32)) },
		"upstream":      func(p *proxy, _ *tokenRequest) { p.cfg.TokenURL = "https://u.example/oauth/token" },
	}
	for name, mod := range other {
		p2, r2 := &proxy{cfg: p.cfg}, *req
		mod(p2, &r2)
		if p2.key(&r2) == key {
			t.Errorf("another %s: same key", name)
		}
	}
}
