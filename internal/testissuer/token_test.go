package testissuer_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/testissuer"
)

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, iss *testissuer.Issuer, method, contentType, body string, mod ...func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(method, iss.URL+testissuer.TokenPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, m := range mod {
		m(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return a
}

// claims returns the unverified claims of the answer's access token.
func claims(t *testing.T, a answer) jwt.MapClaims {
	t.Helper()
	tok, _ := a.body["access_token"].(string)
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
		t.Fatalf("access token %q: %v", tok, err)
	}
	return c
}

const form = "application/x-www-form-urlencoded"

func ccForm(id, secret string) string {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "audience": {"https://api"}, "scope": {"read"}}.Encode()
}

// The client-credentials grant takes form or JSON bodies and Basic
// credentials (form-decoded), and issues a token naming the client.
func TestClientCredentials(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	const id, secret = "odd:id", "p@ss+word"
	iss.SetClient(id, secret)
	jsonBody, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": "https://api", "scope": "read"})
	basic := func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
	tests := []struct {
		name, contentType, body string
		mod                     []func(*http.Request)
	}{
		{"form", form, ccForm(id, secret), nil},
		{"JSON", "application/json", string(jsonBody), nil},
		{"Basic", form, "grant_type=client_credentials&audience=https%3A%2F%2Fapi&scope=read", []func(*http.Request){basic}},
	}
	jtis := map[any]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, iss, http.MethodPost, tt.contentType, tt.body, tt.mod...)
			if a.status != http.StatusOK || a.body["expires_in"] != float64(3600) || a.body["scope"] != "read" {
				t.Fatalf("answer %d %v", a.status, a.body)
			}
			c := claims(t, a)
			if c["sub"] != id+"@clients" || c["azp"] != id || c["aud"] != "https://api" || c["gty"] != "client-credentials" || c["scope"] != "read" {
				t.Fatalf("claims %v", c)
			}
			if jtis[c["jti"]] {
				t.Fatalf("jti %v repeated", c["jti"])
			}
			jtis[c["jti"]] = true
		})
	}
	if iss.ClientMints(id) != 3 || iss.Mints() != 3 {
		t.Fatalf("ClientMints %d, Mints %d; want 3, 3", iss.ClientMints(id), iss.Mints())
	}
	if a := call(t, iss, http.MethodPost, form, ccForm(id, "wrong")); a.status != http.StatusUnauthorized || a.body["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", a.status, a.body)
	}
	if a := call(t, iss, http.MethodPost, "application/json", `{"grant_type":1}`); a.status != http.StatusBadRequest {
		t.Fatalf("JSON number: %d, want 400", a.status)
	}
}

// The demo mode is unchanged: GET with sub, aud, groups and ttl.
func TestDemoToken(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	a := call(t, iss, http.MethodGet, "", "", func(r *http.Request) {
		r.URL.RawQuery = url.Values{"sub": {"alice"}, "aud": {"https://api"}, "groups": {"a,b"}, "ttl": {"2m"}}.Encode()
	})
	c := claims(t, a)
	if a.status != http.StatusOK || a.body["expires_in"] != float64(120) || c["sub"] != "alice" || len(c["groups"].([]any)) != 2 {
		t.Fatalf("answer %d %v, claims %v", a.status, a.body, c)
	}
	if _, ok := c["jti"]; ok {
		t.Errorf("demo token has a jti")
	}
}

// Quotas count down in Auth0-Client-Quota-Limit and, once spent, answer 429
// with Retry-After.
func TestClientQuota(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	iss.SetClient("c", "s")
	iss.SetClientQuota("c", 2, 5)
	for i, want := range []string{"r=1", "r=0"} {
		a := call(t, iss, http.MethodPost, form, ccForm("c", "s"))
		h := a.header.Get(testissuer.QuotaHeader)
		if a.status != http.StatusOK || !strings.HasPrefix(h, "b=per_hour;q=2;"+want+";t=") || !strings.Contains(h, ",b=per_day;q=5;") {
			t.Fatalf("mint %d: %d, quota %q", i, a.status, h)
		}
	}
	a := call(t, iss, http.MethodPost, form, ccForm("c", "s"))
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || a.body["error"] != "too_many_requests" {
		t.Fatalf("past the quota: %d %v, Retry-After %q", a.status, a.body, a.header.Get("Retry-After"))
	}
	if iss.ClientMints("c") != 2 {
		t.Fatalf("ClientMints %d, want 2", iss.ClientMints("c"))
	}
}

// Failure modes: a status with Retry-After, no expires_in, a gate; OnRequest
// sees token requests.
func TestTokenModes(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	var seen atomic.Int64
	arrived := make(chan struct{}, 8)
	iss.OnRequest(func(r *http.Request) {
		if r.Form.Get("grant_type") == "client_credentials" {
			seen.Add(1)
			arrived <- struct{}{}
		}
	})
	iss.SetTokenStatus(http.StatusTooManyRequests)
	iss.SetTokenRetryAfter(7 * time.Second)
	if a := call(t, iss, http.MethodPost, form, ccForm("c", "s")); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" {
		t.Fatalf("status mode: %d, Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	iss.SetTokenStatus(0)
	iss.OmitExpiresIn(true)
	if a := call(t, iss, http.MethodPost, form, ccForm("c", "s")); a.status != http.StatusOK || a.body["expires_in"] != nil {
		t.Fatalf("OmitExpiresIn: %d %v", a.status, a.body)
	}
	<-arrived
	<-arrived // the two requests above
	release := iss.BlockTokens()
	got := make(chan int, 1)
	go func() {
		resp, err := http.Post(iss.URL+testissuer.TokenPath, form, strings.NewReader(ccForm("c", "s")))
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-arrived // parsed, and now at the gate
	select {
	case code := <-got:
		t.Fatalf("answered %d through the gate", code)
	default:
	}
	release()
	if code := <-got; code != http.StatusOK {
		t.Fatalf("after release: %d", code)
	}
	if seen.Load() != 3 {
		t.Fatalf("OnRequest saw %d token requests, want 3", seen.Load())
	}
}

// Clients may be registered while token requests are served: the race
// detector sees no unguarded read of the client table, and each request
// is judged by the clients registered when it arrives.
func TestSetClientWhileServing(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	iss.SetClient("c", "s")
	stop := make(chan struct{})
	registered := make(chan int)
	// Stop the registering goroutine however the test ends.
	stopped := sync.OnceValue(func() int { close(stop); return <-registered })
	t.Cleanup(func() { stopped() })
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				registered <- n
				return
			default:
				iss.SetClient("other-"+strconv.Itoa(n), "x")
				n++
			}
		}
	}()
	for range 20 {
		if a := call(t, iss, http.MethodPost, form, ccForm("c", "s")); a.status != http.StatusOK {
			t.Fatalf("registered client: %d %v", a.status, a.body)
		}
		if a := call(t, iss, http.MethodPost, form, ccForm("c", "wrong")); a.status != http.StatusUnauthorized {
			t.Fatalf("wrong secret: %d %v", a.status, a.body)
		}
	}
	last := "other-" + strconv.Itoa(stopped()-1)
	if a := call(t, iss, http.MethodPost, form, ccForm(last, "x")); a.status != http.StatusOK {
		t.Fatalf("client registered meanwhile: %d %v", a.status, a.body)
	}
}
