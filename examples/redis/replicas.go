package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/provider"
)

// errUnreachable is returned when Redis does not answer.
var errUnreachable = errors.New("cannot reach Redis")

// replica is what one process of a service holds: a Redis client, a store
// over it, a verifier whose key cache shares through the store, and its
// metrics.
type replica struct {
	name    string
	client  *redis.Client
	store   *redisstore.Store
	v       *provider.Verifier
	metrics *prometheus.Registry
}

// fleetSecret authenticates what the replicas share through Redis, so that
// whoever can write to Redis cannot serve them keys. In production it is
// 32+ random bytes from your secret store, the same on every replica; the
// demo's replicas live in one process, which makes one.
var fleetSecret = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}()

// demoCooldown is the replicas' unknown-kid cooldown.
const demoCooldown = time.Second

func newReplica(name, addr string, p provider.Provider) (*replica, error) {
	r := &replica{name: name, metrics: prometheus.NewRegistry()}
	m, err := metrics.New(metrics.Config{Registerer: r.metrics})
	if err != nil {
		return nil, err
	}
	// ContextTimeoutEnabled lets the store's short timeout bound each call.
	r.client = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	// Timeout bounds each Redis call (a slower call makes the replica
	// fetch for itself); 2 s is generous for a demo on a busy machine, the
	// default 500 ms suits production.
	if r.store, err = redisstore.New(redisstore.Config{Client: r.client, Secret: fleetSecret, Timeout: 2 * time.Second}); err != nil {
		r.client.Close()
		return nil, err
	}
	r.v, err = provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Metrics:   m,
		// A short unknown-kid cooldown for the demo (the default is 30 s):
		// with a store it holds for the fleet, counted from the last fetch
		// by any replica.
		Cache: cache.Config{Store: r.store, UnknownKIDCooldown: demoCooldown},
	})
	if err != nil {
		r.store.Close()
		r.client.Close()
		return nil, err
	}
	return r, nil
}

// close stops the verifier, then the store, then the client.
func (r *replica) close() {
	r.v.Close()
	r.store.Close()
	r.client.Close()
}

// run starts the demo issuer and two replicas over the Redis at addr, and
// walks through sharing and a key rotation, writing what happens to out.
func run(ctx context.Context, addr string, out io.Writer) error {
	if err := ping(ctx, addr); err != nil {
		return err
	}
	iss := issuertest.New()
	defer iss.Close()
	p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audiences: []string{"api"}})
	if err != nil {
		return err
	}
	a, err := newReplica("A", addr, p)
	if err != nil {
		return err
	}
	defer a.close()
	b, err := newReplica("B", addr, p)
	if err != nil {
		return err
	}
	defer b.close()
	fmt.Fprintf(out, "Redis at %s; identity provider at %s\n", addr, iss.URL)

	// Starting: A fetches, B takes A's document from Redis.
	for _, r := range []*replica{a, b} {
		if err := r.v.Load(ctx); err != nil {
			return fmt.Errorf("replica %s: %w", r.name, err)
		}
		fmt.Fprintf(out, "replica %s: keys loaded, %s\n", r.name, r.lastSource())
	}
	fmt.Fprintf(out, "identity provider fetches: %d\n", iss.Fetches())

	alice := iss.Token("alice", "api", nil)
	for _, r := range []*replica{a, b} {
		if err := verify(ctx, out, r, alice); err != nil {
			return err
		}
	}

	// Rotation: the provider signs with a new key. A meets the unknown kid
	// and fetches; its notice makes B load the new document from Redis.
	// (A document any replica fetched within the unknown-kid cooldown
	// answers an unknown kid: wait for the cooldown since the first fetch.)
	select {
	case <-time.After(demoCooldown):
	case <-ctx.Done():
		return ctx.Err()
	}
	shared := b.shared() // documents B installed so far: not the notice awaited below
	kid := iss.AddKey("RS256")
	fmt.Fprintf(out, "identity provider rotates to a new key (kid %s)\n", kid)
	bob := iss.Sign(kid, iss.Claims("bob", "api", time.Hour, nil))
	if err := verify(ctx, out, a, bob); err != nil {
		return err
	}
	for b.shared() == shared {
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("replica B: no notice of the new keys: %w", ctx.Err())
		}
	}
	fmt.Fprintln(out, "replica B: new keys loaded from Redis on replica A's notice")
	if err := verify(ctx, out, b, bob); err != nil {
		return err
	}
	fmt.Fprintf(out, "identity provider fetches: %d (one per change of keys, not one per replica)\n", iss.Fetches())
	for _, r := range []*replica{a, b} {
		if n := counter(r.metrics, "jwks_store_errors_total"); n > 0 {
			fmt.Fprintf(out, "replica %s: Redis failed %.0f times; it fetched for itself\n", r.name, n)
		}
	}
	return nil
}

// lastSource says where the replica's keys came from: its metrics count a
// document fetched from the identity provider under source="provider",
// one taken from Redis under source="store".
func (r *replica) lastSource() string {
	if counter(r.metrics, "jwks_refresh_total", "source", "provider", "result", "updated") > 0 {
		return "fetched from the identity provider"
	}
	return "shared by another replica through Redis"
}

// shared counts the documents the replica installed on another's notice.
func (r *replica) shared() float64 {
	return counter(r.metrics, "jwks_refresh_total", "trigger", "shared", "result", "updated")
}

func verify(ctx context.Context, out io.Writer, r *replica, token string) error {
	c, err := r.v.Verify(ctx, token)
	if err != nil {
		return fmt.Errorf("replica %s: %w", r.name, err)
	}
	fmt.Fprintf(out, "replica %s: verified the token of %s\n", r.name, c.Subject())
	return nil
}

// ping fails with a clear message when Redis does not answer.
func ping(ctx context.Context, addr string) error {
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w at %s (%v): start one, e.g. redis-server --port 6379, or pass -redis host:port",
			errUnreachable, addr, err)
	}
	return nil
}
