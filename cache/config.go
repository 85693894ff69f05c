package cache

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
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

// Config configures the Verifier's key caches (provider.VerifierConfig's
// Cache and CacheByIssuer). It is plain data: a zero field means the
// documented default, and provider.NewVerifier validates it once. Where
// the keys come from — the JWKS URL, the issuer — is each provider's.
type Config struct {
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
	// issuers; off by default, and always on for the Verifier's tenants.
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

	// Store shares fetched documents between processes (see
	// cache/redisstore). If nil, every cache fetches for itself.
	Store Store
	// Metrics counts refreshes, stale uses and unknown kids: a
	// *metrics.Collector (package metrics; provider.NewVerifier refuses
	// any other). If nil, VerifierConfig.Metrics counts them; if that is
	// nil too, nothing is counted.
	Metrics observe.Source
	// Logger receives refresh failures at warn and refreshes at debug. If
	// nil, nothing is logged.
	Logger *slog.Logger
}
