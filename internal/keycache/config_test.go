package keycache_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
)

// New and Check refuse an invalid configuration, naming the field.
func TestNewRejectsInvalidConfig(t *testing.T) {
	src := keycache.Source{URL: "https://issuer.example.com/.well-known/jwks.json"}
	tests := []struct {
		name  string
		src   keycache.Source
		cfg   cache.Config
		field string // the error must name it
	}{
		{"no URL", keycache.Source{}, cache.Config{}, "JWKS URL"},
		{"plain http off loopback", keycache.Source{URL: "http://issuer.example.com/jwks.json"}, cache.Config{}, "InsecureAllowHTTP"},
		{"not a URL", keycache.Source{URL: "::"}, cache.Config{}, "JWKS URL"},
		{"ftp", keycache.Source{URL: "ftp://issuer.example.com/jwks.json"}, cache.Config{}, "JWKS URL"},
		{"strategy", src, cache.Config{Strategy: "sometimes"}, "Config.Strategy"},
		{"threshold above 1", src, cache.Config{Threshold: 1.5}, "Config.Threshold"},
		{"threshold 1", src, cache.Config{Threshold: 1}, "Config.Threshold"},
		{"negative threshold", src, cache.Config{Threshold: -0.1}, "Config.Threshold"},
		{"negative interval", src, cache.Config{Interval: -time.Second}, "Config.Interval"},
		{"negative cooldown", src, cache.Config{UnknownKIDCooldown: -time.Second}, "Config.UnknownKIDCooldown"},
		{"negative floor", src, cache.Config{MinRefreshInterval: -time.Second}, "Config.MinRefreshInterval"},
		{"negative timeout", src, cache.Config{FetchTimeout: -time.Second}, "Config.FetchTimeout"},
		{"floor above interval", src, cache.Config{Interval: time.Minute, MinRefreshInterval: 2 * time.Minute}, "Config.MinRefreshInterval"},
		{"usage strategy without usages", src, cache.Config{Strategy: cache.Usage}, "Config.Usages"},
		{"negative usages", src, cache.Config{Usages: -1}, "Config.Usages"},
		{"negative body cap", src, cache.Config{MaxResponseBytes: -1}, "Config.MaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := keycache.New(tt.src, tt.cfg)
			if err == nil {
				c.Close()
				t.Fatal("New accepted an invalid config")
			}
			if !strings.HasPrefix(err.Error(), "cache: ") || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not start with the package or name %s", err, tt.field)
			}
			if tt.src == src { // the config is at fault: Check says so too
				if cerr := keycache.Check(tt.cfg); cerr == nil || cerr.Error() != err.Error() {
					t.Errorf("Check = %v, want New's %q", cerr, err)
				}
			}
		})
	}
}

func TestNewAcceptsValidConfig(t *testing.T) {
	const u = "https://i.example.com/jwks"
	for _, tt := range []struct {
		src keycache.Source
		cfg cache.Config
	}{
		{keycache.Source{URL: "https://issuer.example.com/.well-known/jwks.json"}, cache.Config{}},
		{keycache.Source{URL: "http://127.0.0.1:9229/pool/.well-known/jwks.json"}, cache.Config{}},
		{keycache.Source{URL: "http://localhost:8080/jwks.json"}, cache.Config{}},
		{keycache.Source{URL: "http://[::1]:8080/jwks.json"}, cache.Config{}},
		{keycache.Source{URL: "http://issuer.internal/jwks.json", AllowHTTP: true}, cache.Config{}},
		{keycache.Source{URL: u}, cache.Config{Strategy: cache.Usage, Usages: 10}},
		{keycache.Source{URL: u}, cache.Config{Strategy: cache.Time, MaxStale: -1, Threshold: 0.5}},
	} {
		c, err := keycache.New(tt.src, tt.cfg)
		if err != nil {
			t.Errorf("New(%+v, %+v): %v", tt.src, tt.cfg, err)
			continue
		}
		c.Close()
		if err := keycache.Check(tt.cfg); err != nil {
			t.Errorf("Check(%+v): %v", tt.cfg, err)
		}
	}
}
