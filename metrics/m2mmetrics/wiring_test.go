package m2mmetrics_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/metrics/m2mmetrics"
	"github.com/jwtguard/jwtguard/provider"
)

// A config given the other package's collector is refused, naming the
// field and the collector it takes, instead of counting nothing; a nil
// *Collector (metrics turned off) counts nothing and is no error.
func TestMetricsWiring(t *testing.T) {
	jwt, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := m2mmetrics.New(m2mmetrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const tokenURL = "https://tenant.example.auth0.com/oauth/token"
	secret := []byte(strings.Repeat("s", 32))
	refused := []struct {
		name, want string
		build      func() error
	}{
		{"m2m.Config", "m2m: Config.Metrics counts nothing here: give it a *m2mmetrics.Collector", func() error {
			_, err := m2m.New(m2m.Config{TokenURL: tokenURL, ClientID: "c", ClientSecret: "s", Metrics: jwt})
			return err
		}},
		{"m2m.ProxyConfig", "m2m: ProxyConfig.Metrics counts nothing here: give it a *m2mmetrics.Collector", func() error {
			_, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: tokenURL, Secret: secret, Metrics: jwt})
			return err
		}},
		{"provider.VerifierConfig", "provider: VerifierConfig.Metrics counts nothing here: give it a *metrics.Collector", func() error {
			p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: "https://issuer.example", JWKSURL: "https://issuer.example/jwks", Audiences: []string{"api"}})
			if err != nil {
				return err
			}
			_, err = provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}, Metrics: tokens})
			return err
		}},
		{"cache.Config", "cache: Config.Metrics counts nothing here: give it a *metrics.Collector", func() error {
			_, err := cache.New(cache.Config{URL: "https://issuer.example/jwks", Issuer: "https://issuer.example", Metrics: tokens})
			return err
		}},
	}
	for _, tt := range refused {
		if err := tt.build(); err == nil || err.Error() != tt.want {
			t.Errorf("%s with the wrong collector: %v, want %q", tt.name, err, tt.want)
		}
	}

	var off *metrics.Collector
	c, err := cache.New(cache.Config{URL: "https://issuer.example/jwks", Issuer: "https://issuer.example", Metrics: off})
	if err != nil {
		t.Fatalf("cache.New with a nil *metrics.Collector: %v", err)
	}
	c.Close()
	var offM2M *m2mmetrics.Collector
	ts, err := m2m.New(m2m.Config{TokenURL: tokenURL, ClientID: "c", ClientSecret: "s", Metrics: offM2M})
	if err != nil {
		t.Fatalf("m2m.New with a nil *m2mmetrics.Collector: %v", err)
	}
	ts.Close()
}
