package m2m

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/refresh"
)

// A caller that found no usable token may reach the engine after another
// caller's refresh has ended: it is handed that refresh's token instead
// of starting a second refresh.
func TestStartAfterARefreshEnded(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	}))
	defer srv.Close()

	var (
		mu  sync.Mutex
		now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	s, err := New(Config{TokenURL: srv.URL, ClientID: "c", ClientSecret: "s", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Token(); err != nil {
		t.Fatal(err)
	}
	cur := s.eng.Current()
	ctx := context.Background()

	// Callers that found no token, or an expired one, get the token held.
	for _, trigger := range []Trigger{TriggerInitial, TriggerExpired} {
		got, err := s.eng.Get(ctx, refresh.Request[held, Trigger]{Level: refresh.None, Trigger: trigger})
		if err != nil || !got.Again || got.Value != cur {
			t.Fatalf("Get(%s) after a refresh ended = %+v, %v; want the token held", trigger, got, err)
		}
	}

	// Past Threshold the token is still handed out, and a background
	// refresh starts.
	advance(50 * time.Minute)
	got, err := s.eng.Get(ctx, refresh.Request[held, Trigger]{Seen: cur, Level: refresh.Due, Trigger: TriggerBackground})
	if err != nil || got.Value != cur {
		t.Fatalf("Get(due) = %+v, %v; want the token held", got, err)
	}
	if err := s.eng.Refresh(ctx, TriggerBackground); err != nil { // joins it
		t.Fatal(err)
	}
	if s.eng.Current() == cur {
		t.Fatal("the background refresh did not replace the token")
	}
	if got := requests.Load(); got != 2 {
		t.Fatalf("token endpoint called %d times, want 2", got)
	}
}
