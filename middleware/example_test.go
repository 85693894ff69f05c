package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

func ExampleMiddleware_Handler() {
	// A test identity provider on loopback; in production, your issuer.
	iss := issuertest.New()
	defer iss.Close()

	ctx := context.Background()
	p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: iss.URL, Audiences: []string{"orders-api"}})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	m, err := middleware.New(middleware.Config{Verifier: v, Realm: "orders"})
	if err != nil {
		log.Fatal(err)
	}

	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", middleware.FromContext(r.Context()).Subject())
	}))
	for _, auth := range []string{"Bearer " + iss.Token("alice", "orders-api", nil), ""} {
		req := httptest.NewRequest(http.MethodGet, "/orders", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
		if c := rec.Header().Get("WWW-Authenticate"); c != "" {
			fmt.Println("WWW-Authenticate:", c)
		}
	}
	// Output:
	// 200 hello alice
	// 401 {"error":"unauthorized","error_description":"authentication required"}
	// WWW-Authenticate: Bearer realm="orders"
}

func ExampleMiddleware_RequireScopes() {
	iss := issuertest.New()
	defer iss.Close()
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audiences: []string{"orders-api"}})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	m, err := middleware.New(middleware.Config{Verifier: v, Realm: "orders"})
	if err != nil {
		log.Fatal(err)
	}

	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "deleted") })
	h := m.Handler(m.RequireScopes("orders:delete")(ok))
	for _, scope := range []string{"orders:read", "orders:read orders:delete"} {
		req := httptest.NewRequest(http.MethodDelete, "/orders/42", nil)
		req.Header.Set("Authorization", "Bearer "+iss.Token("alice", "orders-api", jwt.MapClaims{"scope": scope}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
		if c := rec.Header().Get("WWW-Authenticate"); c != "" {
			fmt.Println("WWW-Authenticate:", c)
		}
	}
	// Output:
	// 403 {"error":"insufficient_scope","error_description":"insufficient scope"}
	// WWW-Authenticate: Bearer realm="orders", error="insufficient_scope", error_description="insufficient scope", scope="orders:delete"
	// 200 deleted
}

// An ErrorHandler of your own: expired tokens get a body your clients
// know; everything else the default response, as the middleware would
// write it (realm, scopes, DPoP challenges).
func ExampleWriteError() {
	iss := issuertest.New() // a test identity provider; in production, your issuer
	defer iss.Close()
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.URL, Audiences: []string{"orders-api"}})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	m, err := middleware.New(middleware.Config{
		Verifier: v,
		Realm:    "orders",
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, provider.ErrExpired) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="orders", error="invalid_token"`)
				http.Error(w, "session expired: sign in again", http.StatusUnauthorized)
				return
			}
			middleware.WriteError(w, r, err)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	expired := iss.Sign("", iss.Claims("alice", "orders-api", -time.Minute, nil))
	for _, auth := range []string{"Bearer " + expired, ""} {
		req := httptest.NewRequest(http.MethodGet, "/orders", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
		fmt.Println("WWW-Authenticate:", rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 session expired: sign in again
	// WWW-Authenticate: Bearer realm="orders", error="invalid_token"
	// 401 {"error":"unauthorized","error_description":"authentication required"}
	// WWW-Authenticate: Bearer realm="orders"
}

func ExampleBearerToken() {
	for _, auth := range []string{"bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "Basic YWxpY2U6c2VjcmV0", "Bearer two tokens"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", auth)
		tok, err := middleware.BearerToken(req)
		fmt.Printf("%q %v\n", tok, err)
	}
	// Output:
	// "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl" <nil>
	// "" <nil>
	// "" middleware: invalid request: malformed Bearer credentials
}

func ExampleCookieToken() {
	extract := middleware.CookieToken("session")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"})
	tok, err := extract(req)
	fmt.Println(tok, err)
	// Output:
	// eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl <nil>
}
