package exampletest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Route is one request to an example's API and what it must answer.
type Route struct {
	Name   string // the subtest's name
	Path   string // requested with GET
	Token  string // sent as a bearer token unless empty
	Status int    // the status it must answer
	Body   string // a part of the body it must answer
	// ContentType, if not empty, is the Content-Type it must answer.
	ContentType string
}

// CheckRoutes requests each route from the server at baseURL, in order,
// in a subtest of its name, and reports an error for each answer that has
// another status or content type, or lacks the body.
func CheckRoutes(t *testing.T, baseURL string, routes []Route) {
	t.Helper()
	for _, rt := range routes {
		t.Run(rt.Name, func(t *testing.T) {
			t.Helper() // report the line that called CheckRoutes
			status, header, body := get(t, baseURL+rt.Path, rt.Token)
			if status != rt.Status || !strings.Contains(body, rt.Body) {
				t.Errorf("GET %s: %d %q, want %d and a body containing %q", rt.Path, status, excerpt(body), rt.Status, rt.Body)
			}
			if ct := header.Get("Content-Type"); rt.ContentType != "" && ct != rt.ContentType {
				t.Errorf("GET %s: Content-Type %q, want %q", rt.Path, ct, rt.ContentType)
			}
		})
	}
}

// Get requests url with token as a bearer token (none if empty) and
// returns the status and body. A failed request fails t.
func Get(t testing.TB, url, token string) (int, string) {
	t.Helper()
	status, _, body := get(t, url, token)
	return status, body
}

// get is Get, with the header of the answer.
func get(t testing.TB, url, token string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// excerpt returns body, or only its jwtguard_jwt_verifications_total lines
// if it is a long exposition of metrics.
func excerpt(body string) string {
	if len(body) < 1000 {
		return body
	}
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "jwtguard_jwt_verifications_total") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
