package keycache

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// Source is where a cache's keys come from: its provider's, which the
// Verifier passes on.
type Source struct {
	// URL of the JWKS document. Required. It must be https, or http on a
	// loopback address, unless AllowHTTP is set.
	URL string
	// Issuer whose keys these are. It labels metrics and log lines and is
	// recorded in (and checked against) documents shared through a Store.
	Issuer string
	// AllowHTTP allows a plain http URL on any host: the provider's user
	// asked for it (provider.PlainHTTP).
	AllowHTTP bool
}

// Defaults of cache.Config, documented on its fields.
const (
	defaultInterval           = 20 * time.Minute
	defaultUsages             = 1000
	defaultThreshold          = 0.8
	defaultMinRefreshInterval = 30 * time.Second
	defaultUnknownKIDCooldown = 30 * time.Second
	defaultMaxStale           = 24 * time.Hour
	defaultFetchTimeout       = 10 * time.Second
	defaultMaxResponseBytes   = 1 << 20
)

// check refuses a Source without a URL, or with one the cache must not
// fetch.
func (src Source) check() error {
	if src.URL == "" {
		return errors.New("cache: a JWKS URL is required")
	}
	if _, err := safehttp.CheckURL(src.URL, src.AllowHTTP, "the provider's InsecureAllowHTTP (provider.PlainHTTP)"); err != nil {
		return fmt.Errorf("cache: JWKS URL: %w", err)
	}
	return nil
}

// Check validates cfg as New does, for the caches a Verifier makes later
// (its tenants'), so that a bad configuration fails at start-up.
func Check(cfg cache.Config) error {
	if _, err := withDefaults(cfg); err != nil {
		return err
	}
	_, err := keyHooks(cfg.Metrics)
	return err
}

// keyHooks returns the key events of m, a *metrics.Collector or nil.
func keyHooks(m observe.Source) (observe.Keys, error) {
	return observe.Need(m, func(h observe.Hooks) observe.Keys { return h.Keys }, "cache: Config.Metrics", "*metrics.Collector")
}

// withDefaults returns c with zero fields set to their defaults, or an error
// naming the first invalid field.
func withDefaults(c cache.Config) (cache.Config, error) {
	switch c.Strategy {
	case "":
		c.Strategy = cache.Both
	case cache.Time, cache.Usage, cache.Both:
	default:
		return c, fmt.Errorf("cache: Config.Strategy %q: want %q, %q or %q", c.Strategy, cache.Time, cache.Usage, cache.Both)
	}
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"Interval", &c.Interval, defaultInterval},
		{"MinRefreshInterval", &c.MinRefreshInterval, defaultMinRefreshInterval},
		{"UnknownKIDCooldown", &c.UnknownKIDCooldown, defaultUnknownKIDCooldown},
		{"FetchTimeout", &c.FetchTimeout, defaultFetchTimeout},
	}
	for _, d := range durations {
		if *d.v < 0 {
			return c, fmt.Errorf("cache: Config.%s must not be negative (got %v)", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.MaxStale == 0 {
		c.MaxStale = defaultMaxStale
	}
	if c.Usages < 0 {
		return c, fmt.Errorf("cache: Config.Usages must not be negative (got %d)", c.Usages)
	}
	if c.Usages == 0 {
		if c.Strategy == cache.Usage {
			// Choosing usage-based expiry without saying after how many
			// uses is almost certainly a mistake: say so rather than guess.
			return c, errors.New("cache: Config.Usages is required with the Usage strategy")
		}
		c.Usages = defaultUsages
	}
	if c.Threshold == 0 {
		c.Threshold = defaultThreshold
	}
	if !(c.Threshold > 0 && c.Threshold < 1) || math.IsNaN(c.Threshold) {
		return c, fmt.Errorf("cache: Config.Threshold must be in (0,1) (got %v)", c.Threshold)
	}
	if float64(c.MinRefreshInterval) > c.Threshold*float64(c.Interval) {
		// Else the background refresh, never before MinRefreshInterval,
		// could not come before the set expires.
		return c, fmt.Errorf("cache: Config.MinRefreshInterval (%v) must not exceed Threshold × Interval (%v)",
			c.MinRefreshInterval, time.Duration(c.Threshold*float64(c.Interval)))
	}
	if c.MaxResponseBytes < 0 {
		return c, fmt.Errorf("cache: Config.MaxResponseBytes must not be negative (got %d)", c.MaxResponseBytes)
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = defaultMaxResponseBytes
	}
	return c, nil
}

// countsUsage and expiresByTime say which halves of strategy s apply.
func countsUsage(s cache.Strategy) bool   { return s != cache.Time }
func expiresByTime(s cache.Strategy) bool { return s != cache.Usage }
