package safehttp_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/safehttp"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		raw      string
		insecure bool
		ok       bool
	}{
		{"https://idp.example/.well-known/jwks.json", false, true},
		{"https://IDP.example:8443/jwks", false, true},
		{"http://127.0.0.1:9229/pool/.well-known/jwks.json", false, true},
		{"http://[::1]/jwks", false, true},
		{"http://localhost/jwks", false, true},
		{"http://idp.example/jwks", false, false},
		{"http://idp.example/jwks", true, true},
		{"http://127.0.0.1.evil.example/jwks", false, false}, // not an IP: a host name
		{"http://localhost.evil.example/jwks", false, false},
		{"https://user:pass@idp.example/jwks", false, false},
		{"https://idp.example/jwks#frag", false, false},
		{"ftp://idp.example/jwks", false, false},
		{"file:///etc/passwd", false, false},
		{"//idp.example/jwks", false, false},
		{"/jwks", false, false},
		{"https://", false, false},
		{"https://idp.example/%zz", false, false},
	}
	for _, tt := range tests {
		_, err := safehttp.CheckURL(tt.raw, tt.insecure, "Config.InsecureAllowHTTP")
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q, insecure %v) = %v, want ok %v", tt.raw, tt.insecure, err, tt.ok)
		}
		// A refusal of plain http names the setting that allows it.
		if err != nil && strings.HasPrefix(tt.raw, "http://") && !strings.Contains(err.Error(), "Config.InsecureAllowHTTP") {
			t.Errorf("CheckURL(%q): %v does not name the setting", tt.raw, err)
		}
	}
}

// The client follows a redirect on the same host, and refuses one to
// another host, one from https down to http, and a sixth.
func TestClientRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "other") }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/final", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			_, _ = io.WriteString(w, "final")
		}
	}))
	defer srv.Close()

	c := safehttp.Client(nil)
	if resp, err := c.Get(srv.URL + "/same"); err != nil {
		t.Errorf("same-host redirect: %v", err)
	} else {
		resp.Body.Close()
	}
	for _, u := range []string{srv.URL + "/away", srv.URL + "/loop"} {
		if resp, err := c.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s followed the redirect", u)
		}
	}
	// A downgrade on the same host cannot be served by two test servers
	// (they differ in port): ask the policy itself.
	from, _ := http.NewRequest(http.MethodGet, "https://idp.example/jwks", nil)
	to, _ := http.NewRequest(http.MethodGet, "http://idp.example/jwks", nil)
	if err := c.CheckRedirect(to, []*http.Request{from}); err == nil || !strings.Contains(err.Error(), "https to http") {
		t.Errorf("https to http redirect: %v, want refused", err)
	}
	up, _ := http.NewRequest(http.MethodGet, "https://IDP.example/v2/jwks", nil)
	if err := c.CheckRedirect(up, []*http.Request{from}); err != nil {
		t.Errorf("redirect on the same host (another case): %v", err)
	}
	if safehttp.Client(nil) == http.DefaultClient {
		t.Error("Client(nil) changed http.DefaultClient itself")
	}
}

func TestReadBody(t *testing.T) {
	if b, err := safehttp.ReadBody(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("a body at the limit: %q, %v", b, err)
	}
	if _, err := safehttp.ReadBody(strings.NewReader("123456"), 5); !errors.Is(err, safehttp.ErrTooLarge) {
		t.Errorf("a body over the limit: %v, want ErrTooLarge", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"99999999999999999999", 0}, // not an int64: invalid
		{"86400", safehttp.MaxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), safehttp.MaxRetryAfter},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.v != "" {
			h.Set("Retry-After", tt.v)
		}
		if got := safehttp.RetryAfter(h, now); got != tt.want {
			t.Errorf("Retry-After %q = %v, want %v", tt.v, got, tt.want)
		}
	}
}
