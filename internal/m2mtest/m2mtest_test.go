package m2mtest_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

var _ observe.Tokens = (*m2mtest.Hooks)(nil)

// Every hook is recorded, and what the readers return is a copy.
func TestHooksRecord(t *testing.T) {
	h := m2mtest.NewHooks(time.Minute)
	h.Refreshed(observe.TokenRefresh{Trigger: observe.TokenInitial, Result: observe.TokenMinted})
	h.Refreshed(observe.TokenRefresh{Trigger: observe.TokenBackground, Result: observe.TokenShared})
	h.Refreshed(observe.TokenRefresh{Trigger: observe.TokenExpired, Result: observe.TokenMinted})
	h.Served("a")
	h.Served("b")
	h.QuotaReported("a", []observe.Quota{{Bucket: "per_hour", Limit: 10}})
	h.ProxyRequest("p", observe.ProxyHit)
	h.ProxyRequest("p", observe.ProxyHit)
	h.ProxyRequest("p", observe.ProxyMiss)
	errDown := errors.New("down")
	h.StoreFailed("a", errDown)

	if got := h.Next(t); got.Trigger != observe.TokenInitial {
		t.Errorf("first Next = %+v, want the initial refresh", got)
	}
	if got := h.Next(t); got.Trigger != observe.TokenBackground {
		t.Errorf("second Next = %+v, want the background refresh", got)
	}
	if got := fmt.Sprint(h.Results()); got != "map[minted:2 shared:1]" {
		t.Errorf("Results() = %s", got)
	}
	if got := h.ServedCount(); got != 2 {
		t.Errorf("Served() = %d, want 2", got)
	}
	if got := h.Quotas(); len(got) != 1 || got[0][0].Limit != 10 {
		t.Errorf("Quotas() = %v", got)
	}
	pr := h.ProxyResults()
	if fmt.Sprint(pr) != "map[hit:2 miss:1]" {
		t.Errorf("ProxyResults() = %v", pr)
	}
	pr[observe.ProxyHit] = 100
	if h.ProxyResults()[observe.ProxyHit] != 2 {
		t.Error("ProxyResults() returned the recorder's own map")
	}
	if errs := h.StoreErrors(); len(errs) != 1 || !errors.Is(errs[0], errDown) {
		t.Errorf("StoreErrors() = %v", errs)
	}
}

// fatalRecorder stands for a test whose Fatalf is only recorded.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

// Next fails the test once its wait passes without an event.
func TestHooksNextTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := m2mtest.NewHooks(10 * time.Second)
		start := time.Now()
		rec := &fatalRecorder{TB: t}
		ev := h.Next(rec)
		if waited := time.Since(start); waited != 10*time.Second {
			t.Errorf("Next gave up after %v, want 10s", waited)
		}
		if ev != (observe.TokenRefresh{}) || !strings.HasPrefix(rec.msg, "m2mtest: no refresh event within 10s") {
			t.Errorf("Next = %+v, failure %q; want the zero event and a failure", ev, rec.msg)
		}
	})
}

// SourceConfig makes a working TokenSource config for a client of iss.
func TestSourceConfig(t *testing.T) {
	iss := testissuer.New()
	t.Cleanup(iss.Close)
	iss.SetClient("svc", "svc-secret")
	h := m2mtest.NewHooks(time.Minute)
	cfg := m2mtest.SourceConfig(iss.URL+testissuer.TokenPath, "svc", "svc-secret", h)
	if tr, ok := cfg.HTTPClient.Transport.(*http.Transport); !ok || !tr.DisableKeepAlives {
		t.Errorf("HTTPClient transport %#v keeps connections alive", cfg.HTTPClient.Transport)
	}
	tok, err := m2mtest.NewSource(t, cfg).Token()
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if tok.AccessToken == "" || iss.Mints() != 1 || h.Results()[observe.TokenMinted] != 1 {
		t.Fatalf("token %q, %d mints, results %v; want one minted token", tok.AccessToken, iss.Mints(), h.Results())
	}
}
