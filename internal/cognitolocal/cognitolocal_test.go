package cognitolocal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/cognitolocal"
)

// Without COGNITO_LOCAL_URL, Connect skips the test.
func TestConnectSkipsWithoutURL(t *testing.T) {
	var sub *testing.T
	returned := false
	t.Run("unset", func(t *testing.T) {
		sub = t
		t.Setenv(cognitolocal.EnvURL, "")
		cognitolocal.Connect(t)
		returned = true
	})
	if returned || !sub.Skipped() {
		t.Fatalf("Connect returned %v, skipped %v; want the test skipped", returned, sub.Skipped())
	}
}

// Call speaks the AWS JSON 1.1 protocol: a POST to /, the action in
// X-Amz-Target, JSON both ways.
func TestCall(t *testing.T) {
	type request struct {
		method, path, contentType, target string
		body                              map[string]any
	}
	got := make(chan request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			return
		}
		req := request{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"), target: r.Header.Get("X-Amz-Target")}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req.body)
		got <- req
		_, _ = io.WriteString(w, `{"UserPool":{"Id":"local_abc"}}`)
	}))
	defer srv.Close()
	t.Setenv(cognitolocal.EnvURL, srv.URL+"/")

	api := cognitolocal.Connect(t)
	if api.URL != srv.URL {
		t.Errorf("URL %q, want %q without the trailing slash", api.URL, srv.URL)
	}
	var out struct{ UserPool struct{ Id string } }
	api.Call(t, "CreateUserPool", map[string]any{"PoolName": "p"}, &out)
	req := <-got
	want := request{method: http.MethodPost, path: "/", contentType: "application/x-amz-json-1.1",
		target: "AWSCognitoIdentityProviderService.CreateUserPool", body: map[string]any{"PoolName": "p"}}
	if req.method != want.method || req.path != want.path || req.contentType != want.contentType ||
		req.target != want.target || len(req.body) != 1 || req.body["PoolName"] != "p" {
		t.Errorf("request %+v, want %+v", req, want)
	}
	if out.UserPool.Id != "local_abc" {
		t.Errorf("decoded %+v, want the pool id", out)
	}
}

// Against cognito-local: a pool, a user signed in with the groups given,
// and tokens that say so.
func TestPoolLogin(t *testing.T) {
	api := cognitolocal.Connect(t)
	pool := api.NewPool(t, "admins", "auditors")
	admin := pool.Login(t, "admin@example.com", "admins")
	plain := pool.Login(t, "plain@example.com")
	if admin.Sub == plain.Sub {
		t.Fatalf("two users with sub %q", admin.Sub)
	}
	claims := func(token string) jwt.MapClaims {
		t.Helper()
		c := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
			t.Fatalf("parsing %q: %v", token, err)
		}
		return c
	}
	groups := func(c jwt.MapClaims) []string {
		var out []string
		gs, _ := c["cognito:groups"].([]any)
		for _, g := range gs {
			s, _ := g.(string)
			out = append(out, s)
		}
		return out
	}
	for _, tt := range []struct {
		user       cognitolocal.User
		wantGroups []string
	}{{admin, []string{"admins"}}, {plain, nil}} {
		access, id := claims(tt.user.AccessToken), claims(tt.user.IDToken)
		if iss := pool.URL + "/" + pool.ID; access["iss"] != iss || id["iss"] != iss {
			t.Errorf("%s: iss %v and %v, want %s", tt.user.Username, access["iss"], id["iss"], iss)
		}
		if access["token_use"] != "access" || access["client_id"] != pool.ClientID || access["sub"] != tt.user.Sub {
			t.Errorf("%s: access token claims %v", tt.user.Username, access)
		}
		if id["token_use"] != "id" || id["aud"] != pool.ClientID || id["email"] != tt.user.Username || id["sub"] != tt.user.Sub {
			t.Errorf("%s: ID token claims %v", tt.user.Username, id)
		}
		if g := groups(access); !slices.Equal(g, tt.wantGroups) {
			t.Errorf("%s: groups %q, want %q", tt.user.Username, g, tt.wantGroups)
		}
	}
	if !strings.HasPrefix(pool.ID, "local_") {
		t.Errorf("pool id %q, want cognito-local's local_<id>", pool.ID)
	}
}
