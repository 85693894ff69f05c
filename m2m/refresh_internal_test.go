package m2m

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A caller that found no usable token may reach start after another
// caller's refresh has ended: start hands it that refresh's token instead
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
	cur := s.cur.Load()

	for _, trigger := range []Trigger{TriggerInitial, TriggerExpired, TriggerBackground} {
		f, started, err := s.start(trigger)
		if err != nil || started {
			t.Fatalf("start(%s) with a fresh token: started %v, err %v; want the token held", trigger, started, err)
		}
		<-f.done
		if f.held != cur || f.err != nil {
			t.Fatalf("start(%s) gave held %p, err %v; want %p", trigger, f.held, f.err, cur)
		}
	}

	// Past Threshold the token is still handed out, but a background
	// refresh is due: that trigger starts one.
	advance(50 * time.Minute)
	if f, _, _ := s.start(TriggerExpired); f.held != cur {
		t.Fatal("start(expired) before the token stopped being handed out did not give it")
	}
	f, started, err := s.start(TriggerBackground)
	if err != nil || !started {
		t.Fatalf("start(background) past Threshold: started %v, err %v; want a refresh", started, err)
	}
	<-f.done
	if f.err != nil || f.held == cur {
		t.Fatalf("background refresh: err %v, same token %v", f.err, f.held == cur)
	}
	if got := requests.Load(); got != 2 {
		t.Fatalf("token endpoint called %d times, want 2", got)
	}
}
