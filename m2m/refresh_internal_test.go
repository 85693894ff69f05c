package m2m

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
)

// A caller that found no usable token may reach the engine after another
// caller's refresh has ended: it is handed that refresh's token instead
// of starting a second refresh.
func TestStartAfterARefreshEnded(t *testing.T) {
	var requests atomic.Int64
	// Outside the bubble: a server's goroutines wait on the network, which
	// does not count as durably blocked.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	}))
	defer srv.Close()

	synctest.Test(t, func(t *testing.T) {
		// No keep-alives: an idle connection's goroutines would outlive
		// the bubble.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		s, err := New(Config{TokenURL: srv.URL, ClientID: "c", ClientSecret: "s", HTTPClient: client})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		// The first caller's refresh, as TokenContext starts it, but
		// without handing the token out: a token handed out arms the
		// background timer, which would start at Threshold the refresh
		// this test starts itself below.
		first, err := s.eng.Get(ctx, refresh.Request[held, observe.TokenTrigger]{Level: refresh.None, Trigger: observe.TokenInitial})
		if err != nil || !first.Started || first.Value == nil {
			t.Fatalf("first Get = %+v, %v; want a refresh started and its token", first, err)
		}
		cur := s.eng.Current()
		if cur != first.Value {
			t.Fatal("the first refresh's token is not the one held")
		}

		// Callers that found no token, or an expired one, get the token held.
		for _, trigger := range []observe.TokenTrigger{observe.TokenInitial, observe.TokenExpired} {
			got, err := s.eng.Get(ctx, refresh.Request[held, observe.TokenTrigger]{Level: refresh.None, Trigger: trigger})
			if err != nil || !got.Again || got.Value != cur {
				t.Fatalf("Get(%s) after a refresh ended = %+v, %v; want the token held", trigger, got, err)
			}
		}

		// Past Threshold the token is still handed out, and a background
		// refresh starts.
		time.Sleep(50 * time.Minute)
		got, err := s.eng.Get(ctx, refresh.Request[held, observe.TokenTrigger]{Seen: cur, Level: refresh.Due, Trigger: observe.TokenBackground})
		if err != nil || got.Value != cur {
			t.Fatalf("Get(due) = %+v, %v; want the token held", got, err)
		}
		if err := s.eng.Refresh(ctx, observe.TokenBackground); err != nil { // joins it
			t.Fatal(err)
		}
		if s.eng.Current() == cur {
			t.Fatal("the background refresh did not replace the token")
		}
		if got := requests.Load(); got != 2 {
			t.Fatalf("token endpoint called %d times, want 2", got)
		}
	})
}
