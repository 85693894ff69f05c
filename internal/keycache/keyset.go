package keycache

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/jwtguard/jwtguard/cache"
)

// keySet is one parsed document and its lifetime: immutable once published,
// except for its counters. The hot path reads it through an atomic pointer.
type keySet struct {
	// keys are the parsed keys: shared by the sets that renew one
	// document, so a Key stays current across renewals and not across a
	// change of the keys.
	keys *parsed
	doc  *cache.Document // its FetchedAt is clamped to this process's clock
	// fetched is the document's FetchedAt as it came (another process's
	// clock may run ahead): what "newer than this set" compares with.
	fetched time.Time

	expires  time.Time // zero under the Usage strategy
	soft     time.Time // background refresh time; zero under Usage
	limit    int64     // look-ups until expiry; zero under Time
	softUses int64     // look-ups until the background refresh
	// floor is the earliest background refresh by usage (fetched +
	// MinRefreshInterval, with up to 20% jitter) and usageFloor the
	// earliest expiry by usage
	// (fetched + MinRefreshInterval/Threshold), so that a busy service
	// refreshes in the background and no request waits.
	floor      time.Time
	usageFloor time.Time

	// uses is written by look-ups on every core: alone on its cache line,
	// so that the writes do not evict the flags every look-up reads.
	_    [64]byte
	uses atomic.Int64
	_    [56]byte
	// timeUp is set by timer at expires and floorPassed by floorTimer at
	// usageFloor, so that the look-up path reads flags instead of the
	// clock. overAt is when a spent set stops serving (Unix nanoseconds;
	// zero while it is not spent), read against the clock only once the
	// set is spent: a set past its lifetime holds no timer.
	timeUp      atomic.Bool
	timer       *time.Timer
	floorPassed atomic.Bool
	floorTimer  *time.Timer
	overAt      atomic.Int64
	maxStale    time.Duration
	// usedUp is when a look-up first found the usage limit spent (Unix
	// nanoseconds), the start of the stale window under Usage.
	usedUp atomic.Int64
	// used: a look-up found a key in the set (kept only under
	// SkipIdleRefresh).
	used atomic.Bool
}

// parsed is the usable keys of a document body.
type parsed struct {
	body  []byte
	byKID map[string]*key
	list  []key // in document order
}

// key is one usable key, with what a look-up reads of it worked out once.
type key struct {
	id, alg string
	public  crypto.PublicKey
}

// parse turns a JWKS body into its usable verification keys: public
// RSA, EC and Ed25519 keys not marked "use":"enc". A key that fails to
// parse, is of an unsupported type or is symmetric ("oct") is skipped; the
// document fails only if no usable key is left. Of keys sharing a kid, the
// first wins.
func parse(body []byte) (*parsed, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadDocument, err)
	}
	if len(doc.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", errBadDocument)
	}
	byKID := make(map[string]*key, len(doc.Keys))
	list := make([]key, 0, len(doc.Keys)) // never grows: byKID points into it
	var skipped []string
	for i, raw := range doc.Keys {
		k, err := parseKey(raw)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d: %v", i, err))
			continue
		}
		m := k.Marshal()
		if _, dup := byKID[m.KID]; dup {
			skipped = append(skipped, fmt.Sprintf("key %d: duplicate kid %q", i, m.KID))
			continue
		}
		list = append(list, key{id: m.KID, alg: string(m.ALG), public: k.Key()})
		byKID[m.KID] = &list[len(list)-1]
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: no usable signing key (%s)", errBadDocument, strings.Join(skipped, "; "))
	}
	return &parsed{body: body, byKID: byKID, list: list}, nil
}

func parseKey(raw json.RawMessage) (jwkset.JWK, error) {
	var m jwkset.JWKMarshal
	if err := json.Unmarshal(raw, &m); err != nil {
		return jwkset.JWK{}, err
	}
	switch {
	case m.KTY == jwkset.KtyOct:
		return jwkset.JWK{}, fmt.Errorf("symmetric (oct) keys are refused")
	case m.USE == jwkset.UseEnc:
		return jwkset.JWK{}, fmt.Errorf("encryption key (use=enc)")
	case strings.HasPrefix(string(m.ALG), "HS") || m.ALG == "none":
		return jwkset.JWK{}, fmt.Errorf("alg %q is not an asymmetric signature", m.ALG)
	}
	// Private key material, if a provider ever leaks it, is not read.
	k, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return jwkset.JWK{}, err
	}
	switch k.Key().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return k, nil
	default:
		return jwkset.JWK{}, fmt.Errorf("%w: %T cannot verify signatures", jwkset.ErrUnsupportedKey, k.Key())
	}
}

// newKeySet builds the snapshot for doc under cfg: the lifetime starts when
// the document was fetched, so replicas sharing a document share its
// schedule; fetched is the document's own fetch time (see keySet.fetched).
func newKeySet(cfg *cache.Config, doc *cache.Document, fetched time.Time, keys *parsed) *keySet {
	s := &keySet{keys: keys, doc: doc, fetched: fetched, maxStale: cfg.MaxStale}
	// The usage floor carries jitter too, so that busy replicas sharing a
	// document do not all refresh at one instant.
	s.floor = doc.FetchedAt.Add(time.Duration(float64(cfg.MinRefreshInterval) * (1 + 0.2*rand.Float64())))
	s.usageFloor = doc.FetchedAt.Add(time.Duration(float64(cfg.MinRefreshInterval) / cfg.Threshold))
	if expiresByTime(cfg.Strategy) {
		life := cfg.Interval
		if cfg.HonorCacheControl && doc.MaxAge > 0 {
			// At least MinRefreshInterval/Threshold, so that the background
			// refresh (at Threshold, not before MinRefreshInterval) comes
			// before the expiry.
			life = min(max(doc.MaxAge, time.Duration(float64(cfg.MinRefreshInterval)/cfg.Threshold)), cfg.Interval)
		}
		s.expires = doc.FetchedAt.Add(life)
		// The jittered fraction stays below 1: the refresh is due before the
		// set expires, whatever the Threshold.
		f := min(cfg.Threshold*jitter(), (1+cfg.Threshold)/2)
		soft := time.Duration(float64(life) * f)
		s.soft = doc.FetchedAt.Add(max(soft, cfg.MinRefreshInterval))
		if d := time.Until(s.expires); d > 0 {
			s.timer = time.AfterFunc(d, func() {
				s.timeUp.Store(true)
				s.spend(s.expires)
			})
		} else { // a document published after its lifetime (a shared one)
			s.timeUp.Store(true)
			s.spend(s.expires)
		}
	}
	if countsUsage(cfg.Strategy) {
		s.limit = cfg.Usages
		s.softUses = max(1, int64(float64(cfg.Usages)*cfg.Threshold))
		s.floorTimer = time.AfterFunc(time.Until(s.usageFloor), func() { s.floorPassed.Store(true) })
	}
	return s
}

// errNotHeld is pick's answer for a kid the set does not hold.
var errNotHeld = errors.New("cache: kid not held")

// pick returns the key for kid, or for "" the only key of the set.
func (s *keySet) pick(kid string) (Key, error) {
	if kid == "" {
		if len(s.keys.list) != 1 {
			return Key{}, ErrAmbiguousKey
		}
		return Key{&s.keys.list[0], s.keys}, nil
	}
	if k := s.keys.byKID[kid]; k != nil {
		return Key{k, s.keys}, nil
	}
	return Key{}, errNotHeld
}

// spent reports whether s has expired, by time or by usage.
func (s *keySet) spent() bool { return s.timeUp.Load() || s.usedUp.Load() != 0 }

// spend starts the stale window of s, which expired (by time or by
// usage) at at: from MaxStale after at it must no longer serve (at once,
// for a negative MaxStale). Only the first expiry counts.
func (s *keySet) spend(at time.Time) {
	over := at.Add(max(0, s.maxStale)).UnixNano()
	s.overAt.CompareAndSwap(0, max(1, over))
}

// over reports whether s, spent, is past MaxStale: it must no longer
// serve.
func (s *keySet) over() bool {
	at := s.overAt.Load()
	return at != 0 && time.Now().UnixNano() >= at
}

// retire stops the timers of a set that no longer serves.
func (s *keySet) retire() {
	if s == nil {
		return
	}
	for _, t := range []*time.Timer{s.timer, s.floorTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// jitter returns a factor in [0.9, 1.1) so that replicas do not refresh
// together.
func jitter() float64 { return 0.9 + 0.2*rand.Float64() }
