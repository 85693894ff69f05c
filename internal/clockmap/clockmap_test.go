package clockmap

import (
	"fmt"
	"sync"
	"testing"
)

func TestAddGetRemove(t *testing.T) {
	m := New[int](101)
	for i := range 100 {
		if _, added, ev := m.Add("", fmt.Sprint(i), i); !added || ev != nil {
			t.Fatalf("Add %d: added %v, evicted %v; want added, nothing evicted", i, added, ev)
		}
	}
	if e, added, _ := m.Add("", "7", 70); added || e.Value != 7 {
		t.Fatalf("Add of a held key: added %v, value %d; want the held entry (7)", added, e.Value)
	}
	for i := range 100 {
		if e := m.Get("", fmt.Sprint(i)); e == nil || e.Value != i {
			t.Fatalf("Get %d = %v", i, e)
		}
	}
	// The partition is part of the key.
	if m.Get("p", "7") != nil {
		t.Fatal(`Get("p", "7") found the entry of ("", "7")`)
	}
	if e, added, _ := m.Add("p", "7", -7); !added || m.Get("p", "7") != e || m.Get("", "7").Value != 7 {
		t.Fatal("two partitions of one name do not hold two entries")
	}
	dropped := m.RemoveIf(func(e *Entry[int]) bool { return e.Value%2 != 0 })
	if len(dropped) != 51 || m.Len() != 50 { // 50 odd values and -7
		t.Fatalf("RemoveIf(odd): dropped %d, %d left; want 51 and 50", len(dropped), m.Len())
	}
	for i := range 100 {
		if got := m.Get("", fmt.Sprint(i)) != nil; got != (i%2 == 0) {
			t.Fatalf("after RemoveIf, Get %d found = %v", i, got)
		}
	}
	if n := len(m.Entries()); n != 50 {
		t.Fatalf("Entries: %d, want the 50 held", n)
	}
	e := m.Get("", "4")
	if !m.Remove(e) || m.Remove(e) || m.Get("", "4") != nil {
		t.Fatal("Remove: want true once, then false, and the entry gone")
	}
}

// A full map evicts an entry not looked up since the hand last passed: a
// working set looked up between insertions survives a stream of entries
// seen once.
func TestClockSparesEntriesInUse(t *testing.T) {
	m := New[int](100)
	for i := range 100 {
		m.Add("", fmt.Sprint("hot", i), i)
	}
	for i := range 10_000 {
		for j := range 50 { // half the map in use
			if m.Get("", fmt.Sprint("hot", j)) == nil {
				t.Fatalf("after %d one-time entries, hot entry %d was evicted", i, j)
			}
		}
		if _, _, ev := m.Add("", fmt.Sprint("cold", i), i); ev == nil {
			t.Fatalf("Add %d to a full map evicted nothing", i)
		}
		if n := m.Len(); n != 100 {
			t.Fatalf("Len = %d, want the bound 100", n)
		}
	}
}

func TestConcurrent(t *testing.T) {
	m := New[int](64)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				k := fmt.Sprint((i * (g + 1)) % 200)
				if e := m.Get("", k); e != nil && e.Name != k {
					t.Errorf("Get(%q) returned the entry of %q", k, e.Name)
					return
				}
				if i%3 == 0 {
					m.Add("", k, i)
				}
				if i%17 == 0 {
					m.RemoveIf(func(e *Entry[int]) bool { return e.Value%5 == 0 })
				}
			}
		})
	}
	wg.Wait()
	if n := m.Len(); n > 64 {
		t.Fatalf("Len = %d over the bound 64", n)
	}
}

func TestGetDoesNotAllocate(t *testing.T) {
	m := New[int](10_000)
	for i := range 10_000 {
		m.Add("", fmt.Sprint("https://issuer.example/", i), i)
	}
	name := "https://issuer.example/4242"
	if n := testing.AllocsPerRun(1000, func() { m.Get("", name) }); n != 0 {
		t.Fatalf("Get allocates %v times", n)
	}
}

func BenchmarkGet(b *testing.B) {
	m := New[int](10_000)
	names := make([]string, 10_000)
	for i := range names {
		names[i] = fmt.Sprintf("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_%09d", i)
		m.Add("", names[i], i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if m.Get("", names[i%len(names)]) == nil {
				b.Fatal("miss")
			}
			i += 7
		}
	})
}
