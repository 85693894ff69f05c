package redisstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache/redisstore"
)

func TestNewValidatesConfig(t *testing.T) {
	good := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer good.Close()
	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer plain.Close()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()

	tests := []struct {
		name    string
		cfg     redisstore.Config
		wantErr string // "" for success
	}{
		{"defaults", redisstore.Config{Client: good, Secret: testSecret}, ""},
		{"all set", redisstore.Config{Client: good, Secret: testSecret, Prefix: "p:", Timeout: time.Second, LockTTL: time.Second,
			DocumentTTL: time.Hour, PingInterval: time.Minute}, ""},
		{"trusting Redis", redisstore.Config{Client: good, InsecureTrustRedis: true}, ""},
		{"no secret", redisstore.Config{Client: good}, "Config.Secret must be at least 32 random bytes"},
		{"short secret", redisstore.Config{Client: good, Secret: []byte("password")}, "Config.Secret must be at least 32"},
		{"secret and trust", redisstore.Config{Client: good, Secret: testSecret, InsecureTrustRedis: true}, "exclusive"},
		{"no client", redisstore.Config{}, "Config.Client is required"},
		{"client ignoring deadlines", redisstore.Config{Client: plain}, "ContextTimeoutEnabled"},
		{"cluster client ignoring deadlines", redisstore.Config{Client: cluster}, "ContextTimeoutEnabled"},
		{"ring ignoring deadlines", redisstore.Config{Client: ring}, "ContextTimeoutEnabled"},
		{"negative timeout", redisstore.Config{Client: good, Secret: testSecret, Timeout: -1}, "Config.Timeout must not be negative"},
		{"negative lock TTL", redisstore.Config{Client: good, Secret: testSecret, LockTTL: -time.Second}, "Config.LockTTL must not be negative"},
		{"sub-millisecond lock TTL", redisstore.Config{Client: good, Secret: testSecret, LockTTL: time.Microsecond}, "at least 1ms"},
		{"sub-millisecond document TTL", redisstore.Config{Client: good, Secret: testSecret, DocumentTTL: time.Microsecond}, "at least 1ms"},
		{"negative ping interval", redisstore.Config{Client: good, Secret: testSecret, PingInterval: -time.Second}, "Config.PingInterval must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				s.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !hasPrefix(err) {
				t.Fatalf("New error = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestKey(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer c.Close()
	tests := []struct {
		prefix, url, want string
	}{
		// Prefix + hex SHA-256 of the URL (computed with sha256sum).
		{"", testURL, "jwtguard:jwks:500ea7930bb6fc348fe476e7a42d82f4cb6769671d760cd0e99755c7a027f28a"},
		{"svc:", testURL, "svc:500ea7930bb6fc348fe476e7a42d82f4cb6769671d760cd0e99755c7a027f28a"},
		{"svc:", testURL + "?v=2", "svc:8cd4909688844249eed18648fc5ceca087793c32a0e08d0f4472fa40c8d3a4db"},
	}
	for _, tt := range tests {
		s, err := redisstore.New(redisstore.Config{Client: c, Secret: testSecret, Prefix: tt.prefix})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Key(tt.url); got != tt.want {
			t.Errorf("Key(%q) with prefix %q = %q; want %q", tt.url, tt.prefix, got, tt.want)
		}
		s.Close()
	}
}
