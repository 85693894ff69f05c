package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"

	"github.com/jwtguard/jwtguard/middleware"
)

var public = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "public") })

// Each router serves GET /api/me (authenticated) and GET /api/admin
// (authenticated, scope admin), and GET /public (open) where public is set.
var routers = []struct {
	name   string
	public bool
	build  func(m *middleware.Middleware) http.Handler
}{
	{"net/http ServeMux", true, func(m *middleware.Middleware) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("GET /public", public)
		mux.Handle("GET /api/me", m.Handler(echo))
		mux.Handle("GET /api/admin", m.Handler(m.RequireScopes("admin")(echo)))
		return mux
	}},
	{"chi Group and With", true, func(m *middleware.Middleware) http.Handler {
		r := chi.NewRouter()
		r.Get("/public", public)
		r.Group(func(r chi.Router) {
			r.Use(m.Handler)
			r.Get("/api/me", echo)
			r.With(m.RequireScopes("admin")).Get("/api/admin", echo)
		})
		return r
	}},
	{"chi Route and Use", true, func(m *middleware.Middleware) http.Handler {
		r := chi.NewRouter()
		r.Get("/public", public)
		r.Route("/api", func(r chi.Router) {
			r.Use(m.Handler)
			r.Get("/me", echo)
			r.Route("/admin", func(r chi.Router) {
				r.Use(m.RequireScopes("admin"))
				r.Get("/", echo)
			})
		})
		return r
	}},
	{"gorilla/mux subrouters", true, func(m *middleware.Middleware) http.Handler {
		r := mux.NewRouter()
		r.Handle("/public", public).Methods(http.MethodGet)
		api := r.PathPrefix("/api").Subrouter()
		api.Use(m.Handler)
		api.Handle("/me", echo).Methods(http.MethodGet)
		admin := api.PathPrefix("/admin").Subrouter()
		admin.Use(m.RequireScopes("admin"))
		admin.Handle("", echo).Methods(http.MethodGet)
		return r
	}},
	{"gorilla/mux router.Use", false, func(m *middleware.Middleware) http.Handler {
		r := mux.NewRouter()
		r.Use(m.Handler)
		r.Handle("/api/me", echo).Methods(http.MethodGet)
		r.Handle("/api/admin", m.RequireScopes("admin")(echo)).Methods(http.MethodGet)
		return r
	}},
}

func TestRouters(t *testing.T) {
	alice := token("alice", jwt.MapClaims{"scope": "read"})
	root := token("root", jwt.MapClaims{"scope": "read admin"})
	requests := []struct {
		name      string
		path      string
		auth      []string
		public    bool // only where the router has an open route
		status    int
		body      string
		challenge string
	}{
		{name: "open route without token", path: "/public", public: true, status: 200, body: "public"},
		{name: "no token", path: "/api/me", status: 401, challenge: `Bearer realm="test"`},
		{name: "valid token", path: "/api/me", auth: []string{"Bearer " + alice}, status: 200, body: "alice"},
		{name: "two Authorization headers", path: "/api/me", auth: []string{"Bearer " + alice, "Bearer " + alice}, status: 400,
			challenge: `Bearer realm="test", error="invalid_request", error_description="malformed credentials"`},
		{name: "bad signature", path: "/api/me", auth: []string{"Bearer " + badSignature()}, status: 401,
			challenge: `Bearer realm="test", error="invalid_token", error_description="the access token is invalid"`},
		{name: "guard denies", path: "/api/admin", auth: []string{"Bearer " + alice}, status: 403,
			challenge: `Bearer realm="test", error="insufficient_scope", error_description="insufficient scope", scope="admin"`},
		{name: "guard passes", path: "/api/admin", auth: []string{"Bearer " + root}, status: 200, body: "root"},
		{name: "guard behind no token", path: "/api/admin", status: 401, challenge: `Bearer realm="test"`},
	}
	for _, rt := range routers {
		t.Run(rt.name, func(t *testing.T) {
			srv := httptest.NewServer(rt.build(newMiddleware(t, middleware.Config{})))
			defer srv.Close()
			for _, rq := range requests {
				if rq.public && !rt.public {
					continue
				}
				t.Run(rq.name, func(t *testing.T) {
					req, err := http.NewRequest(http.MethodGet, srv.URL+rq.path, nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range rq.auth {
						req.Header.Add("Authorization", a)
					}
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Fatal(err)
					}
					if resp.StatusCode != rq.status {
						t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, rq.status, body)
					}
					if rq.body != "" && string(body) != rq.body {
						t.Errorf("body %q, want %q", body, rq.body)
					}
					if got := resp.Header.Get("WWW-Authenticate"); got != rq.challenge {
						t.Errorf("WWW-Authenticate %q, want %q", got, rq.challenge)
					}
				})
			}
		})
	}
}
