package keycache_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// BenchmarkRateDuringFetch measures what a slow provider costs the
// verification path: four goroutines verify an RS256 token (golang-jwt,
// the key from Cache.Key) for three seconds while the JWKS endpoint takes
// 200 ms to answer each refresh, and the metric during/outside is the
// verification rate while a fetch is in flight divided by the rate while
// none is. 1 means nobody waited for the provider; the goal is ≥ 0.95
// for every valid configuration. ns/op is one verification's cost over
// the whole window.
func BenchmarkRateDuringFetch(b *testing.B) {
	configs := []struct {
		name string
		cfg  cache.Config
	}{
		{"time", cache.Config{Strategy: cache.Time}},
		{"both", cache.Config{Strategy: cache.Both}},
		{"both/threshold=0.9", cache.Config{Strategy: cache.Both, Threshold: 0.9}},
		{"both/threshold=0.5", cache.Config{Strategy: cache.Both, Threshold: 0.5}},
		{"usage", cache.Config{Strategy: cache.Usage}},
	}
	for _, tc := range configs {
		b.Run(tc.name, func(b *testing.B) {
			iss := testissuer.New()
			defer iss.Close()
			var fetching atomic.Int64 // fetches in flight at the provider
			var fetchTime atomic.Int64
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fetching.Add(1)
				start := time.Now()
				time.Sleep(200 * time.Millisecond)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(iss.JWKS())
				fetchTime.Add(int64(time.Since(start)))
				fetching.Add(-1)
			}))
			defer slow.Close()
			cfg := tc.cfg
			cfg.Interval, cfg.MinRefreshInterval, cfg.Usages = 2*time.Second, time.Second, 1000
			c, err := keycache.New(keycache.Source{URL: slow.URL, Issuer: iss.URL}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			token := iss.Token("user", "api", nil)
			parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}))
			if err := c.Load(context.Background()); err != nil {
				b.Fatal(err)
			}
			fetchTime.Store(0)

			var during, outside atomic.Int64
			const window = 3 * time.Second
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					ctx := context.Background()
					keyfunc := func(t *jwt.Token) (any, error) {
						kid, _ := t.Header["kid"].(string)
						k, err := c.Key(ctx, kid)
						return k.Public(), err
					}
					for time.Since(start) < window {
						if _, err := parser.Parse(token, keyfunc); err != nil {
							b.Error(err)
							return
						}
						if fetching.Load() > 0 {
							during.Add(1)
						} else {
							outside.Add(1)
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			inFetch := time.Duration(fetchTime.Load())
			if inFetch == 0 || during.Load() == 0 {
				b.Fatalf("no fetch overlapped the window (%v in fetches): nothing measured", inFetch)
			}
			rateDuring := float64(during.Load()) / inFetch.Seconds()
			rateOutside := float64(outside.Load()) / (elapsed - inFetch).Seconds()
			b.ReportMetric(rateDuring/rateOutside, "during/outside")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(during.Load()+outside.Load()), "ns/op")
			b.ReportMetric(inFetch.Seconds(), "s-fetching")
		})
	}
}
