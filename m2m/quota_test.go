package m2m_test

import (
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
)

// The quota the endpoint declares is reported to the Metrics, per bucket,
// counting down with each token minted.
func TestTokenSourceReportsQuota(t *testing.T) {
	iss, _ := newIssuer(t)
	iss.SetClientQuota(testClient, 10, 50)
	h := newHooks()
	ts := m2mtest.NewSource(t, sourceConfig(iss, h))
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	reported := h.Quotas()
	if len(reported) != 1 {
		t.Fatalf("QuotaReported called %d times, want 1", len(reported))
	}
	got := reported[0]
	if len(got) != 2 {
		t.Fatalf("quota %+v, want two buckets", got)
	}
	for i, want := range []observe.Quota{
		{Scope: "client", Bucket: "per_hour", Limit: 10, Remaining: 9},
		{Scope: "client", Bucket: "per_day", Limit: 50, Remaining: 49},
	} {
		q := got[i]
		if q.Scope != want.Scope || q.Bucket != want.Bucket || q.Limit != want.Limit || q.Remaining != want.Remaining {
			t.Errorf("bucket %d = %+v, want %+v", i, q, want)
		}
		if q.Reset <= 0 || q.Reset > 24*time.Hour {
			t.Errorf("bucket %d reset %v, want within a day", i, q.Reset)
		}
	}
}

// A source without quota headers reports none.
func TestTokenSourceWithoutQuota(t *testing.T) {
	iss, _ := newIssuer(t)
	h := newHooks()
	ts := m2mtest.NewSource(t, sourceConfig(iss, h))
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	if len(h.Quotas()) != 0 {
		t.Fatalf("quota reported: %v; want nothing", h.Quotas())
	}
}
