package cache

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// Strategy says what makes a key set expire.
type Strategy string

const (
	// Both expires a key set after Interval or after Usages look-ups,
	// whichever comes first. It is the default.
	Both Strategy = "both"
	// Time expires a key set Interval after it was fetched.
	Time Strategy = "time"
	// Usage expires a key set after Usages look-ups by verifications.
	Usage Strategy = "usage"
)

// Defaults of Config, documented on its fields.
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

// Config configures a Cache. It is plain data: a zero field means the
// documented default, and New validates it once.
type Config struct {
	// URL of the JWKS document. Required. It must be https, or http on a
	// loopback address, unless InsecureAllowHTTP is set.
	URL string
	// Issuer whose keys these are. It labels metrics and log lines and is
	// recorded in (and checked against) documents shared through Store.
	Issuer string

	// Strategy is Time, Usage or Both. If empty, Both is used.
	Strategy Strategy
	// Interval is the lifetime of a key set under Time and Both. If zero,
	// 20 minutes.
	Interval time.Duration
	// Usages is the number of key look-ups a key set serves under Usage and
	// Both. Each replica counts its own. If zero, 1000 under Both; the
	// Usage strategy requires it.
	Usages int64
	// DisableBackgroundRefresh turns off the refresh of the key set at
	// Threshold of its lifetime; a look-up past the lifetime then waits
	// for the refresh (unless refreshes are failing: stale keys then serve).
	// Background refresh is on by default, and with it no look-up waits
	// while keys exist.
	DisableBackgroundRefresh bool
	// SkipIdleRefresh runs the background refresh only for a key set that
	// has served a look-up since it was fetched: a cache nobody uses then
	// holds no timer once its keys have expired, and spends no fetch on
	// keys nobody needs. Its next look-up serves
	// the expired keys while they refresh, or, past MaxStale, waits for a
	// fetch as a first look-up does. For caches of many rarely used
	// issuers, as the Verifier's tenants are; off by default.
	SkipIdleRefresh bool
	// Threshold is the fraction of the lifetime (time or usage) after which
	// the background refresh runs; it must be in (0,1). Scheduled refreshes
	// carry ±10% jitter. If zero, 0.8.
	Threshold float64
	// MinRefreshInterval is the floor between two refreshes made by the
	// policy (time, usage, background, retries); it must not exceed
	// Threshold × Interval. If zero, 30 seconds.
	MinRefreshInterval time.Duration
	// UnknownKIDCooldown bounds refreshes caused by tokens with an unknown
	// kid to one per this long. If zero, 30 seconds.
	UnknownKIDCooldown time.Duration
	// MaxStale is how long past its expiry a key set keeps serving while
	// its refresh runs or fails. If zero, 24 hours; a negative value never
	// serves expired keys: look-ups past the expiry wait for the refresh.
	MaxStale time.Duration
	// HonorCacheControl takes max-age from the JWKS response's Cache-Control
	// header as the lifetime, clamped to [MinRefreshInterval/Threshold,
	// Interval] (no-cache, no-store and max-age=0 count as the shortest).
	HonorCacheControl bool

	// HTTPClient fetches the JWKS. If nil, http.DefaultClient is used. Its
	// redirect policy is wrapped: redirects to another host or from https to
	// http are refused.
	HTTPClient *http.Client
	// FetchTimeout bounds one fetch. If zero, 10 seconds.
	FetchTimeout time.Duration
	// MaxResponseBytes caps the JWKS body. If zero, 1 MiB.
	MaxResponseBytes int64
	// InsecureAllowHTTP allows a plain http URL on any host. Never set it in
	// production: anyone on the path could then serve you their keys.
	InsecureAllowHTTP bool

	// Store shares fetched documents between processes (see
	// cache/redisstore). If nil, every cache fetches for itself.
	Store Store
	// Metrics counts refreshes, stale uses and unknown kids: a
	// *metrics.Collector (package metrics; New refuses any other). If
	// nil, nothing is counted.
	Metrics observe.Source
	// Logger receives refresh failures at warn and refreshes at debug. If
	// nil, nothing is logged.
	Logger *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults, or an error
// naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, errors.New("cache: Config.URL is required")
	}
	if _, err := safehttp.CheckURL(c.URL, c.InsecureAllowHTTP, "Config.InsecureAllowHTTP"); err != nil {
		return c, fmt.Errorf("cache: Config.URL: %w", err)
	}
	switch c.Strategy {
	case "":
		c.Strategy = Both
	case Time, Usage, Both:
	default:
		return c, fmt.Errorf("cache: Config.Strategy %q: want %q, %q or %q", c.Strategy, Time, Usage, Both)
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
		if c.Strategy == Usage {
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

// countsUsage and expiresByTime say which halves of the strategy apply.
func (c *Config) countsUsage() bool   { return c.Strategy != Time }
func (c *Config) expiresByTime() bool { return c.Strategy != Usage }
