package cache_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
)

func TestNewRejectsInvalidConfig(t *testing.T) {
	const u = "https://issuer.example.com/.well-known/jwks.json"
	tests := []struct {
		name  string
		cfg   cache.Config
		field string // the error must name it
	}{
		{"no URL", cache.Config{}, "URL"},
		{"plain http off loopback", cache.Config{URL: "http://issuer.example.com/jwks.json"}, "URL"},
		{"not a URL", cache.Config{URL: "::"}, "URL"},
		{"ftp", cache.Config{URL: "ftp://issuer.example.com/jwks.json"}, "URL"},
		{"strategy", cache.Config{URL: u, Strategy: "sometimes"}, "Strategy"},
		{"threshold above 1", cache.Config{URL: u, Threshold: 1.5}, "Threshold"},
		{"threshold 1", cache.Config{URL: u, Threshold: 1}, "Threshold"},
		{"negative threshold", cache.Config{URL: u, Threshold: -0.1}, "Threshold"},
		{"negative interval", cache.Config{URL: u, Interval: -time.Second}, "Interval"},
		{"negative cooldown", cache.Config{URL: u, UnknownKIDCooldown: -time.Second}, "UnknownKIDCooldown"},
		{"negative floor", cache.Config{URL: u, MinRefreshInterval: -time.Second}, "MinRefreshInterval"},
		{"negative timeout", cache.Config{URL: u, FetchTimeout: -time.Second}, "FetchTimeout"},
		{"floor above interval", cache.Config{URL: u, Interval: time.Minute, MinRefreshInterval: 2 * time.Minute}, "MinRefreshInterval"},
		{"usage strategy without usages", cache.Config{URL: u, Strategy: cache.Usage}, "Usages"},
		{"negative usages", cache.Config{URL: u, Usages: -1}, "Usages"},
		{"negative body cap", cache.Config{URL: u, MaxResponseBytes: -1}, "MaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cache.New(tt.cfg)
			if err == nil {
				c.Close()
				t.Fatal("New accepted an invalid config")
			}
			if !strings.HasPrefix(err.Error(), "cache: ") || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not start with the package or name the field %s", err, tt.field)
			}
		})
	}
}

func TestNewAcceptsValidConfig(t *testing.T) {
	for _, cfg := range []cache.Config{
		{URL: "https://issuer.example.com/.well-known/jwks.json"},
		{URL: "http://127.0.0.1:9229/pool/.well-known/jwks.json"},
		{URL: "http://localhost:8080/jwks.json"},
		{URL: "http://[::1]:8080/jwks.json"},
		{URL: "http://issuer.internal/jwks.json", InsecureAllowHTTP: true},
		{URL: "https://i.example.com/jwks", Strategy: cache.Usage, Usages: 10},
		{URL: "https://i.example.com/jwks", Strategy: cache.Time, MaxStale: -1, Threshold: 0.5},
	} {
		c, err := cache.New(cfg)
		if err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
			continue
		}
		c.Close()
	}
}
