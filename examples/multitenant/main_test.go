package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that run stops every goroutine it starts.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	text := out.String()

	// The statuses of GET /api/whoami, in order.
	var statuses []string
	for _, m := range regexp.MustCompile(`GET /api/whoami -> (\d+)`).FindAllStringSubmatch(text, -1) {
		statuses = append(statuses, m[1])
	}
	if got, want := strings.Join(statuses, " "), "200 200 401 401 200"; got != want {
		t.Errorf("whoami statuses %q, want %q\n%s", got, want, text)
	}
	for _, want := range []string{
		"-> 200 tenant acme user alice",
		"-> 200 tenant globex user bob",
		"-> 200 tenant initech user carol",
		"POST /admin/tenants issuer=http://127.0.0.1:",
		`jwtguard_jwt_verifications_total{issuer="tenant",reason="none",result="success"} 3`,
		`jwtguard_jwt_verifications_total{issuer="tenant",reason="audience",result="failure"} 1`,
		`jwtguard_jwt_verifications_total{issuer="unknown",reason="unknown_issuer",result="failure"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}

	// Every metrics line is labelled by group, never by a tenant's URL.
	_, metrics, ok := strings.Cut(text, "GET /metrics")
	if !ok {
		t.Fatalf("no metrics in the output:\n%s", text)
	}
	for _, line := range strings.Split(strings.TrimSpace(metrics), "\n")[1:] {
		if strings.Contains(line, "http://") || !regexp.MustCompile(`issuer="(tenant|unknown)"`).MatchString(line) {
			t.Errorf("metrics line %q: want issuer=\"tenant\" or \"unknown\", no URL", line)
		}
	}
}
