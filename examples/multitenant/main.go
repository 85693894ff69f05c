// Command multitenant is a multi-tenant SaaS API: each customer (tenant)
// brings its own OpenID Connect issuer, and tenants are onboarded while
// the API runs. The Verifier has no fixed list of issuers; a Resolver
// (provider.OIDCResolver) looks each token's issuer up in the service's
// own table of tenants, the first time it sees it, and the tenant's keys
// are then discovered and fetched once.
//
//	go run ./examples/multitenant
//
// runs a demo with nothing to install: three stand-in identity providers
// (acme, globex, initech), acme and globex in the table, tokens of each
// sent to GET /api/whoami, initech onboarded with POST /admin/tenants,
// then the /metrics lines of the verifications.
//
// The security rule: the Resolver decides from the service's own table,
// never from the token's iss or a header the client controls — the
// issuer it accepts is where keys are fetched from, so accepting an
// issuer because a token names it would let anyone sign their own
// tokens. A token of any issuer not in the table costs no fetch and no
// DNS look-up, only a table look-up; "no" answers are held for a minute,
// and invented issuers are looked up at a bounded rate
// (TenantsConfig.LookupRate), so a flood of them costs a bounded number
// of queries.
//
// A fixed list (VerifierConfig.Providers) suits issuers known at
// start-up: one pool, a few tenants, set in configuration. Use a Resolver
// when tenants are many, or are added while the service runs; the two
// combine (Providers are looked up first).
//
// For Cognito user pools or Auth0 domains, the same table, keyed by pool
// id or domain, plugs into cognito.Resolver or auth0.Resolver, which
// also check the shape of the issuer before asking it:
//
//	r, err := cognito.Resolver(cognito.ResolverConfig{
//		Regions: []string{"eu-west-1"},
//		Pool: func(ctx context.Context, poolID string) (cognito.Config, bool, error) {
//			t, ok := table.Lookup(poolID)
//			return cognito.Config{ClientIDs: []string{t.ClientID}, TokenUse: cognito.AccessToken}, ok, nil
//		},
//	})
//
//	r, err := auth0.Resolver(auth0.ResolverConfig{
//		Domain: func(ctx context.Context, domain string) (auth0.Config, bool, error) {
//			t, ok := table.Lookup(domain)
//			return auth0.Config{Audiences: []string{t.Audience}}, ok, nil
//		},
//	})
//
// app.go holds the table, the Verifier, its metrics and the routes; this
// file runs the demo.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"strings"

	"github.com/jwtguard/jwtguard/issuertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "multitenant:", err)
		os.Exit(1)
	}
}

// run runs the demo, printing each step to out; it fails if a step gets
// another status than expected.
func run(ctx context.Context, out io.Writer) error {
	// Stand-ins for the tenants' identity providers.
	acme, globex, initech := issuertest.New(), issuertest.New(), issuertest.New()
	defer acme.Close()
	defer globex.Close()
	defer initech.Close()

	table := newTenants()
	table.Add(acme.URL, Tenant{Name: "acme", Audience: "https://api.example.com/acme"})
	table.Add(globex.URL, Tenant{Name: "globex", Audience: "https://api.example.com/globex"})

	a, err := newApp(table)
	if err != nil {
		return err
	}
	defer a.Close()
	srv := httptest.NewServer(a)
	defer srv.Close()
	c := client{ctx: ctx, base: srv.URL, http: srv.Client(), out: out}

	fmt.Fprintf(out, "API on %s; tenants acme (%s) and globex (%s)\n\n", srv.URL, acme.URL, globex.URL)
	steps := []struct {
		name string
		do   func() (int, error)
		want int
	}{
		{"acme's token", c.whoami(acme.Token("alice", "https://api.example.com/acme", nil)), http.StatusOK},
		{"globex's token", c.whoami(globex.Token("bob", "https://api.example.com/globex", nil)), http.StatusOK},
		{"acme's token for globex's audience", c.whoami(acme.Token("alice", "https://api.example.com/globex", nil)), http.StatusUnauthorized},
		{"initech's token (not a tenant yet)", c.whoami(initech.Token("carol", "https://api.example.com/initech", nil)), http.StatusUnauthorized},
		{"onboard initech", c.addTenant(initech.URL, "initech", "https://api.example.com/initech"), http.StatusCreated},
		{"initech's token", c.whoami(initech.Token("carol", "https://api.example.com/initech", nil)), http.StatusOK},
	}
	for _, s := range steps {
		fmt.Fprintf(out, "%s:\n", s.name)
		status, err := s.do()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if status != s.want {
			return fmt.Errorf("%s: status %d, want %d", s.name, status, s.want)
		}
	}

	fmt.Fprintln(out, "\nGET /metrics (jwtguard_jwt_verifications_total):")
	return c.metrics("jwtguard_jwt_verifications_total")
}

// client sends the demo's requests to the API and prints them.
type client struct {
	ctx  context.Context
	base string
	http *http.Client
	out  io.Writer
}

// whoami returns a step that calls GET /api/whoami with token.
func (c client) whoami(token string) func() (int, error) {
	return func() (int, error) {
		req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.base+"/api/whoami", nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return c.do(req, "GET /api/whoami")
	}
}

// addTenant returns a step that onboards a tenant with POST /admin/tenants.
func (c client) addTenant(issuer, name, audience string) func() (int, error) {
	return func() (int, error) {
		form := url.Values{"issuer": {issuer}, "name": {name}, "audience": {audience}}
		req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.base+"/admin/tenants", strings.NewReader(form.Encode()))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c.do(req, fmt.Sprintf("POST /admin/tenants issuer=%s name=%s audience=%s", issuer, name, audience))
	}
}

// do sends req and prints what, the status and the body.
func (c client) do(req *http.Request, what string) (int, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(c.out, "  %s -> %d", what, resp.StatusCode)
	if len(body) > 0 {
		fmt.Fprintf(c.out, " %s", strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(c.out)
	return resp.StatusCode, nil
}

// metrics prints the lines of GET /metrics that start with prefix.
func (c client) metrics(prefix string) error {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			fmt.Fprintln(c.out, "  "+sc.Text())
		}
	}
	return sc.Err()
}
