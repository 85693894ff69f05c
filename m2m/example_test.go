package m2m_test

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"sync"

	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/m2m"
)

// A TokenSource for an Auth0 API, plugged into an HTTP client: every
// request carries the cached token, and the tenant sees one token request
// per token lifetime.
func ExampleNew() {
	tokenURL, err := auth0.TokenURL("example.eu.auth0.com")
	if err != nil {
		log.Fatal(err)
	}
	ts, err := m2m.New(m2m.Config{
		TokenURL:     tokenURL,
		ClientID:     os.Getenv("AUTH0_CLIENT_ID"),
		ClientSecret: os.Getenv("AUTH0_CLIENT_SECRET"),
		Audience:     "https://api.example.com/",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	client := &http.Client{Transport: &oauth2.Transport{Source: ts}}
	_ = client // client.Get("https://api.example.com/things") …
}

// However many goroutines ask, the token endpoint mints one token.
func ExampleTokenSource() {
	iss := issuertest.New() // a test identity provider on loopback
	defer iss.Close()
	iss.SetClient("reports", "s3cret")

	ts, err := m2m.New(m2m.Config{
		TokenURL:     iss.URL + issuertest.TokenPath,
		ClientID:     "reports",
		ClientSecret: "s3cret",
		Audience:     "https://api.example.com/",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()

	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if _, err := ts.Token(); err != nil {
				log.Print(err)
			}
		})
	}
	wg.Wait()
	fmt.Println("tokens minted for 100 callers:", iss.Mints())
	// Output: tokens minted for 100 callers: 1
}

// A caching token endpoint for vendors, in front of the real one.
func ExampleNewProxy() {
	p, err := m2m.NewProxy(m2m.ProxyConfig{
		TokenURL: "https://example.eu.auth0.com/oauth/token",
		Secret:   []byte(os.Getenv("M2M_PROXY_SECRET")), // at least 32 bytes
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /oauth/token", p)
}
