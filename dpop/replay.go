package dpop

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Replays remembers the proofs a server accepted, so that each is
// accepted once: RFC 9449 §11.1. A proof is known by a key made of its
// key thumbprint and jti (the middleware's is the SHA-256 of Proof.JKT
// and Proof.ID, so that one client cannot use another's jti) and
// remembered until it leaves the window (Proof.Expires).
type Replays interface {
	// Seen records key until expires and reports whether it was
	// recorded already (a replay).
	Seen(ctx context.Context, key string, expires time.Time) (bool, error)
}

// memoryShards is the number of locks the in-memory Replays spreads its
// proofs over.
const memoryShards = 64

// memoryReplays is the Replays of NewMemoryReplays.
type memoryReplays struct {
	seed   maphash.Seed
	shards [memoryShards]replayShard
	per    int // entries per shard
}

type replayShard struct {
	mu      sync.Mutex
	expires map[string]int64 // key → expiry, Unix nanoseconds
	order   []string         // keys in insertion order, for eviction and sweeping
	head    int              // order[head:] are live candidates
}

// NewMemoryReplays returns Replays in this process's memory for about
// maxEntries proofs (at least 64): sharded, each shard under its own lock,
// entries dropped when they expire. It holds at most that many entries,
// and never forgets a proof inside its window: when a shard is full of
// live entries, Seen refuses new proofs (ErrReplaysFull) until some
// expire — size it for the proofs of one window (DPoP requests per second
// × (window + leeway)). Safe for concurrent use.
func NewMemoryReplays(maxEntries int) Replays {
	m := &memoryReplays{seed: maphash.MakeSeed(), per: max(1, (maxEntries+memoryShards-1)/memoryShards)}
	for i := range m.shards {
		m.shards[i].expires = make(map[string]int64)
	}
	return m
}

// Seen implements Replays.
func (m *memoryReplays) Seen(_ context.Context, key string, expires time.Time) (bool, error) {
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]
	now := time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.expires[key]; ok && exp > now {
		return true, nil
	}
	if !s.sweep(now, m.per) {
		return true, ErrReplaysFull
	}
	s.expires[key] = expires.UnixNano()
	s.order = append(s.order, key)
	return false, nil
}

// sweep drops, oldest first, the entries that expired, and reports
// whether there is room for one more under the bound per.
func (s *replayShard) sweep(now int64, per int) bool {
	for s.head < len(s.order) {
		k := s.order[s.head]
		exp, ok := s.expires[k]
		if ok && exp > now {
			break // the oldest is live; so are (nearly all) the others
		}
		if ok {
			delete(s.expires, k)
		}
		s.head++
	}
	room := len(s.expires) < per
	if !room {
		// Live entries behind a live head may have expired: look once.
		for k, exp := range s.expires {
			if exp <= now {
				delete(s.expires, k)
			}
		}
		room = len(s.expires) < per
	}
	if s.head > len(s.order)/2 { // compact the queue now and then
		s.order = append(s.order[:0], s.order[s.head:]...)
		s.head = 0
	}
	return room
}
