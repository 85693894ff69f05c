package tokencache

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestGetAdd(t *testing.T) {
	tb := New[int](100, 1<<20, nil)
	if tb.Get("a") != nil {
		t.Fatal("hit in an empty table")
	}
	if added, _ := tb.Add("a", 10, 1); !added {
		t.Fatal("not added")
	}
	if e := tb.Get("a"); e == nil || e.Value != 1 {
		t.Fatalf("Get(a) = %v", e)
	}
	if tb.Get("b") != nil || tb.Get("a\x00") != nil || tb.Get("") != nil {
		t.Fatal("another token hit")
	}
	// Adding a token again replaces its entry, without counting it twice.
	tb.Add("a", 30, 2)
	if e := tb.Get("a"); e == nil || e.Value != 2 || tb.Len() != 1 || tb.Bytes() != 30 {
		t.Fatalf("after re-adding: %v, len %d, bytes %d", e, tb.Len(), tb.Bytes())
	}
	tb.Remove(tb.Get("a"))
	if tb.Get("a") != nil || tb.Len() != 0 || tb.Bytes() != 0 {
		t.Fatalf("after Remove: len %d, bytes %d", tb.Len(), tb.Bytes())
	}
	// A token is held once, even when an earlier slot of its set is free.
	one := New[int](Ways, 1<<20, nil) // one set
	one.Add("x", 1, 0)
	one.Add("a", 1, 1)
	one.Remove(one.Get("x"))
	one.Add("a", 1, 2)
	if one.Len() != 1 || one.Bytes() != 1 || one.Get("a").Value != 2 {
		t.Fatalf("re-adding with a free slot before: len %d, bytes %d", one.Len(), one.Bytes())
	}
}

// Entries and bytes stay within their bounds whatever is added.
func TestBounds(t *testing.T) {
	const maxBytes = 5000
	tb := New[int](50, maxBytes, nil)
	if tb.Cap() != 56 {
		t.Fatalf("Cap = %d, want 56 (50 rounded up to sets of %d)", tb.Cap(), Ways)
	}
	for i := range 10000 {
		tb.Add(fmt.Sprint("token-", i), int64(1+rand.IntN(400)), i)
		if tb.Len() > tb.Cap() || tb.Bytes() > maxBytes {
			t.Fatalf("after %d adds: %d entries, %d bytes", i+1, tb.Len(), tb.Bytes())
		}
	}
	if added, _ := tb.Add("huge", maxBytes+1, 0); added {
		t.Fatal("an entry over the byte bound was added")
	}
	checkCounts(t, tb)
}

// A flood of tokens seen once does not evict tokens in use: the flood
// replaces its own entries.
func TestFloodSparesWorkingSet(t *testing.T) {
	tb := New[int](Ways, 1<<20, nil) // one set
	hot := []string{"a", "b", "c", "d", "e", "f"}
	for _, h := range hot {
		tb.Add(h, 1, 0)
	}
	evictions := 0
	for i := range 1000 {
		for _, h := range hot {
			if tb.Get(h) == nil {
				t.Fatalf("hot token %q evicted after %d flood tokens", h, i)
			}
		}
		if _, evicted := tb.Add(fmt.Sprint("flood-", i), 1, 0); evicted != nil {
			evictions++
		}
	}
	if evictions < 990 {
		t.Fatalf("%d evictions reported for 1000 flood tokens through 2 free slots", evictions)
	}
}

// Dead entries are replaced before live ones, and their replacement is
// no eviction.
func TestDeadFirst(t *testing.T) {
	tb := New[bool](Ways, 1<<20, func(dead *bool) bool { return *dead })
	for i := range Ways {
		tb.Add(fmt.Sprint(i), 1, i == 5) // entry 5 is dead
		tb.Get(fmt.Sprint(i))
	}
	if _, evicted := tb.Add("new", 1, false); evicted != nil {
		t.Fatal("replacing a dead entry reported as an eviction")
	}
	if tb.Get("5") != nil {
		t.Fatal("the dead entry is still held")
	}
	for i := range Ways {
		if i != 5 && tb.Get(fmt.Sprint(i)) == nil {
			t.Fatalf("live entry %d evicted while a dead one was held", i)
		}
	}
}

// Concurrent gets, adds and removes keep the counts true (run with -race).
func TestConcurrent(t *testing.T) {
	tb := New[int](64, 1<<12, nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				tok := fmt.Sprint("t", (i*7+g)%200)
				if e := tb.Get(tok); e != nil {
					if e.token != tok {
						t.Errorf("Get(%q) returned %q", tok, e.token)
						return
					}
					if i%3 == 0 {
						tb.Remove(e)
					}
					continue
				}
				tb.Add(tok, int64(len(tok)*10), i)
			}
		})
	}
	wg.Wait()
	if tb.Len() > tb.Cap() || tb.Bytes() > 1<<12 || tb.Len() < 0 || tb.Bytes() < 0 {
		t.Fatalf("%d entries, %d bytes", tb.Len(), tb.Bytes())
	}
	checkCounts(t, tb)
}

// checkCounts fails the test unless Len and Bytes say what the slots hold.
func checkCounts[V any](t *testing.T, tb *Table[V]) {
	t.Helper()
	n, bytes := 0, int64(0)
	for i := range tb.sets {
		for j := range tb.sets[i].slots {
			if e := tb.sets[i].slots[j].Load(); e != nil {
				n++
				bytes += e.size
			}
		}
	}
	if n != tb.Len() || bytes != tb.Bytes() {
		t.Fatalf("slots hold %d entries, %d bytes; Len %d, Bytes %d", n, bytes, tb.Len(), tb.Bytes())
	}
}
