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
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
)

var _ m2m.Hooks = (*m2mtest.Hooks)(nil)

// Every hook is recorded, and what the readers return is a copy.
func TestHooksRecord(t *testing.T) {
	h := m2mtest.NewHooks(time.Minute)
	h.Refreshed(m2m.RefreshEvent{Trigger: m2m.TriggerInitial, Result: m2m.ResultMinted})
	h.Refreshed(m2m.RefreshEvent{Trigger: m2m.TriggerBackground, Result: m2m.ResultShared})
	h.Refreshed(m2m.RefreshEvent{Trigger: m2m.TriggerExpired, Result: m2m.ResultMinted})
	h.Served("a")
	h.Served("b")
	h.QuotaReported("a", []m2m.Quota{{Bucket: "per_hour", Limit: 10}})
	h.ProxyRequest("p", m2m.ProxyHit)
	h.ProxyRequest("p", m2m.ProxyHit)
	h.ProxyRequest("p", m2m.ProxyMiss)
	errDown := errors.New("down")
	h.StoreFailed("a", errDown)

	if got := h.Next(t); got.Trigger != m2m.TriggerInitial {
		t.Errorf("first Next = %+v, want the initial refresh", got)
	}
	if got := h.Next(t); got.Trigger != m2m.TriggerBackground {
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
	pr[m2m.ProxyHit] = 100
	if h.ProxyResults()[m2m.ProxyHit] != 2 {
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
		if ev != (m2m.RefreshEvent{}) || !strings.HasPrefix(rec.msg, "m2mtest: no refresh event within 10s") {
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
	if tok.AccessToken == "" || iss.Mints() != 1 || h.Results()[m2m.ResultMinted] != 1 {
		t.Fatalf("token %q, %d mints, results %v; want one minted token", tok.AccessToken, iss.Mints(), h.Results())
	}
}
