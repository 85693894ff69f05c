package m2m

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// Store keys: one per token URL, client, audience, scope set and endpoint
// parameters; hex digests that name neither client nor secret.
func TestSourceKey(t *testing.T) {
	base := Config{TokenURL: "https://t.example/oauth/token", ClientID: "client-a", ClientSecret: "secret-a",
		Audience: "https://api", Scopes: []string{"b", "a"}}
	key := sourceKey(&base)
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		t.Fatalf("key %q is not a hex SHA-256", key)
	}
	same := []func(*Config){
		func(c *Config) { c.Scopes = []string{"a", "b", "a"} },
		func(c *Config) { c.ClientSecret = "rotated secret" },
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
		"audience":  func(c *Config) { c.Audience = "https://api2" },
		"scopes":    func(c *Config) { c.Scopes = []string{"a"} },
		"params":    func(c *Config) { c.EndpointParams = url.Values{"organization": {"org_1"}} },
		"shifted":   func(c *Config) { c.ClientID, c.Audience = "client-ah", "ttps://api" },
	}
	for name, mod := range other {
		c := base
		mod(&c)
		if sourceKey(&c) == key {
			t.Errorf("another %s: same key", name)
		}
	}
}

func TestProxyKey(t *testing.T) {
	p := &Proxy{cfg: ProxyConfig{Secret: []byte(strings.Repeat("s", 32))}}
	req := &tokenRequest{clientID: "v", clientSecret: "x", scopes: []string{"b", "a"}, params: url.Values{"audience": {"https://api"}}}
	key := p.key(req)
	reordered := *req
	reordered.scopes = []string{"a", "b"}
	reordered.style = oauth2.AuthStyleInHeader
	if p.key(&reordered) != key {
		t.Error("same request, other scope order or auth style: another key")
	}
	wrongSecret := *req
	wrongSecret.clientSecret = "y"
	if p.key(&wrongSecret) == key {
		t.Error("another client secret: same key")
	}
	otherProxy := &Proxy{cfg: ProxyConfig{Secret: []byte(strings.Repeat("t", 32))}}
	if otherProxy.key(req) == key {
		t.Error("another proxy secret: same key")
	}
}
