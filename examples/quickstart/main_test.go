package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/issuertest"
)

// TestMain checks that the demo stops every goroutine it starts.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startTestDemo(t *testing.T) *demo {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d, err := startDemo(t.Context(), ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("closing the demo: %v", err)
		}
	})
	return d
}

func TestWalkthrough(t *testing.T) {
	d := startTestDemo(t)
	var out bytes.Buffer
	if err := walkthrough(t.Context(), &out, d.Issuer, d.APIURL); err != nil {
		t.Fatalf("walkthrough: %v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{
		"JWKS fetches so far: 1",
		"JWKS fetches now: 2",
		`error="invalid_token", error_description="the access token expired"`,
		`error="insufficient_scope"`,
		`"name":"Alice Example"`,
		`jwtguard_jwks_refresh_total{issuer="` + d.Issuer.URL + `",result="updated",source="provider",trigger="unknown_kid"} 1`,
		"All 14 checks behaved as expected.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "MISMATCH") {
		t.Errorf("output reports a mismatch:\n%s", out.String())
	}
	if n := d.Issuer.Fetches(); n != 2 {
		t.Errorf("issuer served %d JWKS fetches, want 2 (startup, rotation)", n)
	}
}

// TestWalkthroughReportsMismatches runs the walkthrough against an API
// that lets everything through: every step that expects a rejection, and
// the key rotation's refresh, must be reported.
func TestWalkthroughReportsMismatches(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	open := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"hello": "anyone"})
	}))
	defer open.Close()

	var out bytes.Buffer
	err := walkthrough(t.Context(), &out, iss, open.URL)
	if err == nil {
		t.Fatalf("walkthrough against an open API succeeded:\n%s", out.String())
	}
	for _, want := range []string{
		"8 check(s) did not behave as expected",
		"GET /api/me: status 200, want 401",
		"GET /api/reports: status 200, want 403",
		"key rotation: JWKS fetches went from 0 to 0, want exactly one more",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if got := strings.Count(out.String(), "MISMATCH"); got != 8 {
		t.Errorf("output has %d MISMATCH lines, want 8:\n%s", got, out.String())
	}
}

// accessToken is what the curl lines' sed expression extracts.
var accessToken = regexp.MustCompile(`.*"access_token":"([^"]+)".*`)

// TestCurlLines does what the printed curl lines do: mint a token at the
// demo issuer's /token endpoint and call the API with it.
func TestCurlLines(t *testing.T) {
	d := startTestDemo(t)
	tests := []struct {
		name  string
		scope string
		ttl   time.Duration
		path  string
		want  int
	}{
		{"me", "profile", 0, "/api/me", http.StatusOK},
		{"reports without scope", "profile", 0, "/api/reports", http.StatusForbidden},
		{"reports with scope", "profile reports:read", 0, "/api/reports", http.StatusOK},
		{"expired", "profile", -5 * time.Minute, "/api/me", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := get(t, mintURL(d.Issuer.URL, "alice", tt.scope, tt.ttl))
			m := accessToken.FindSubmatch(body)
			if m == nil {
				t.Fatalf("no access_token in %s", body)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, d.APIURL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+string(m[1]))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}

// TestRun runs the program as main does: the walkthrough, then serving
// until the context is cancelled.
func TestRun(t *testing.T) {
	t.Run("walkthrough only", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(t.Context(), &out, "127.0.0.1:0", true); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
		if strings.Contains(out.String(), "Serving until Ctrl-C") {
			t.Errorf("-walkthrough went on serving:\n%s", out.String())
		}
	})
	t.Run("serve until cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := run(ctx, pw, "127.0.0.1:0", false)
			pw.Close()
			done <- err
		}()

		// Read the output until the curl lines: the API is serving then.
		var apiURL string
		lines := bufio.NewScanner(pr)
		for lines.Scan() {
			line := lines.Text()
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "API"); ok && apiURL == "" {
				apiURL = strings.Fields(u)[0]
			}
			if strings.HasPrefix(line, "Serving until Ctrl-C") {
				break
			}
		}
		go io.Copy(io.Discard, pr) //nolint:errcheck // drain the rest until run returns
		if apiURL == "" {
			t.Fatal("run did not print the API's URL")
		}

		var health map[string]string
		if err := json.Unmarshal(get(t, apiURL+"/healthz"), &health); err != nil || health["status"] != "ok" {
			t.Fatalf("GET /healthz while serving: %v %v", health, err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run: %v", err)
		}
		if resp, err := http.Get(apiURL + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("the API still answers after shutdown: %s", resp.Status)
		}
	})
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9000}, "http://127.0.0.1:9000"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.addr.String(), func(t *testing.T) {
			if got := baseURL(tt.addr); got != tt.want {
				t.Errorf("baseURL(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// get returns the body of a 200 answer to GET url.
func get(t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	return body
}
