package auth0_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// domainLookup is a ResolverConfig.Domain that counts its calls and
// records the domains asked about; it answers with answer.
type domainLookup struct {
	calls  atomic.Int64
	asked  atomic.Value // string
	answer func(ctx context.Context, domain string) (auth0.Config, bool, error)
}

func (l *domainLookup) domain(ctx context.Context, domain string) (auth0.Config, bool, error) {
	l.calls.Add(1)
	l.asked.Store(domain)
	if l.answer == nil {
		return auth0.Config{Audiences: []string{api}}, true, nil
	}
	return l.answer(ctx, domain)
}

func newResolver(t *testing.T, l *domainLookup) provider.Resolver {
	t.Helper()
	r, err := auth0.Resolver(auth0.ResolverConfig{Domain: l.domain})
	if err != nil {
		t.Fatalf("Resolver: %v", err)
	}
	return r
}

// Issuers other than https://<lower-case DNS name>/ are refused without
// asking Domain.
func TestResolverRefusesWithoutLookup(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	issuers := []string{
		"",
		"https://",
		"https:///",
		"https://example.com",
		"https://example.com//",
		"https://example.com/x",
		"https://example.com/x/",
		"https://example.com/?",
		"https://example.com/?x=1",
		"https://example.com/#",
		"https://example.com?/",
		"https://Example.com/",
		"https://EXAMPLE.EU.AUTH0.COM/",
		"HTTPS://example.com/",
		"http://example.com/",
		"example.com",
		"example.com/",
		"//example.com/",
		"https://example.com:443/",
		"https://example.com:8443/",
		"https://example.com./",
		"https://example.com.:443/",
		"https://localhost/",
		"https://com/",
		"https://127.0.0.1/",
		"https://10.0.0.1/",
		"https://169.254.169.254/",
		"https://[::1]/",
		"https://example.123/",
		"https://user@example.com/",
		"https://user:pw@example.com/",
		"https://-a.example.com/",
		"https://a-.example.com/",
		"https://a..example.com/",
		"https://.example.com/",
		"https://a_b.example.com/",
		"https://exa mple.com/",
		"https://example.com/ ",
		" https://example.com/",
		"https://example.com\n/",
		"https://example.com%2F/",
		"https://b\u00fccher.example/",
		"https://" + label63 + "a.example.com/",
		"https://" + label63 + "." + label63 + "." + label63 + "." + strings.Repeat("a", 62) + "/",
		"https://example.com/.well-known/jwks.json",
		"https://evil.com/https://example.com/",
	}
	var l domainLookup
	r := newResolver(t, &l)
	for _, iss := range issuers {
		if p, err := r(context.Background(), iss); p != nil || err != nil {
			t.Errorf("resolver(%q) = %v, %v; want nil, nil", iss, p, err)
		}
	}
	if n := l.calls.Load(); n != 0 {
		t.Errorf("%d Domain calls, want 0", n)
	}
}

// A well-formed issuer is looked up once, by its host, and becomes that
// domain's Provider with the Config Domain gave.
func TestResolverAccepts(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	for _, host := range []string{
		"example.eu.auth0.com",
		"login.example.com",
		"my-tenant.us.auth0.com",
		"a.b",
		"1.example.com",
		"xn--bcher-kva.example",
		label63 + ".example.com",
		label63 + "." + label63 + "." + label63 + "." + strings.Repeat("a", 61),
	} {
		t.Run(host[:min(len(host), 30)], func(t *testing.T) {
			l := domainLookup{answer: func(context.Context, string) (auth0.Config, bool, error) {
				// What the resolver sets is overwritten.
				return auth0.Config{Domain: "evil.example", Audiences: []string{api}}, true, nil
			}}
			r := newResolver(t, &l)
			iss := "https://" + host + "/"
			p, err := r(context.Background(), iss)
			if err != nil || p == nil {
				t.Fatalf("resolver(%q) = %v, %v; want a Provider", iss, p, err)
			}
			if n, asked := l.calls.Load(), l.asked.Load(); n != 1 || asked != host {
				t.Errorf("Domain called %d times, last with %v; want once with %q", n, asked, host)
			}
			if p.Issuer() != iss || p.JWKSURL() != iss+".well-known/jwks.json" {
				t.Errorf("Issuer %q JWKSURL %q", p.Issuer(), p.JWKSURL())
			}
		})
	}
}

// Domain's answers: not ours, an error, a bad Config.
func TestResolverDomainAnswers(t *testing.T) {
	const iss = "https://login.example.com/"
	dbDown := errors.New("database down")
	for _, tt := range []struct {
		name    string
		answer  func(context.Context, string) (auth0.Config, bool, error)
		wantErr string // "": (nil, nil)
	}{
		{"not ours", func(context.Context, string) (auth0.Config, bool, error) { return auth0.Config{}, false, nil }, ""},
		{"error", func(context.Context, string) (auth0.Config, bool, error) { return auth0.Config{}, false, dbDown }, "database down"},
		{"no audiences", func(context.Context, string) (auth0.Config, bool, error) { return auth0.Config{}, true, nil }, "Audiences"},
		{"HS256", func(context.Context, string) (auth0.Config, bool, error) {
			return auth0.Config{Audiences: []string{api}, Algorithms: []string{"HS256"}}, true, nil
		}, "HS256"},
		{"empty organization", func(context.Context, string) (auth0.Config, bool, error) {
			return auth0.Config{Audiences: []string{api}, Organizations: []string{""}}, true, nil
		}, "Organizations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := domainLookup{answer: tt.answer}
			r := newResolver(t, &l)
			p, err := r(context.Background(), iss)
			if p != nil {
				t.Errorf("resolver: Provider %v, want nil", p)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("resolver: %v, want nil, nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), "auth0: ") || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("resolver: %v, want an auth0 error mentioning %q", err, tt.wantErr)
			}
			if tt.name == "error" && !errors.Is(err, dbDown) {
				t.Errorf("resolver: %v does not wrap Domain's error", err)
			}
			if n := l.calls.Load(); n != 1 {
				t.Errorf("%d Domain calls, want 1", n)
			}
		})
	}
}

// Resolver requires Domain.
func TestResolverConfig(t *testing.T) {
	if r, err := auth0.Resolver(auth0.ResolverConfig{}); err == nil || !strings.Contains(err.Error(), "auth0: ResolverConfig.Domain is required") {
		t.Errorf("Resolver without Domain = %v, %v; want an error naming ResolverConfig.Domain", r, err)
	}
}

// With Organizations, only tokens whose org_id is one of them pass.
func TestOrganizations(t *testing.T) {
	tn := newTenant(t, auth0.Config{Organizations: []string{"org_A1", "org_B2"}})
	for _, tt := range []struct {
		name string
		org  any // nil: no org_id
		ok   bool
	}{
		{"first", "org_A1", true},
		{"second", "org_B2", true},
		{"another", "org_C3", false},
		{"case differs", "ORG_A1", false},
		{"empty", "", false},
		{"none", nil, false},
		{"not a string", 1, false},
		{"an array", []string{"org_A1"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			extra := jwt.MapClaims{}
			if tt.org != nil {
				extra["org_id"] = tt.org
			}
			c, err := tn.v.Verify(context.Background(), tn.idp.Token("auth0|alice", api, extra))
			if !tt.ok {
				if !errors.Is(err, reasons.Claims) || !errors.Is(err, provider.ErrInvalidToken) {
					t.Fatalf("Verify: %v, want ErrClaims", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := auth0.Organization(c); got != tt.org {
				t.Errorf("Organization = %q, want %q", got, tt.org)
			}
		})
	}

	// Without Organizations, any organization, or none, passes.
	open := newTenant(t, auth0.Config{})
	if _, err := open.v.Verify(context.Background(), open.idp.Token("auth0|alice", api, jwt.MapClaims{"org_id": "org_C3"})); err != nil {
		t.Errorf("Verify without Organizations: %v", err)
	}
	if _, err := auth0.New(auth0.Config{Domain: "example.eu.auth0.com", Audiences: []string{api}, Organizations: []string{"org_A1", ""}}); err == nil ||
		!strings.Contains(err.Error(), "auth0: Config.Organizations") {
		t.Errorf("New with an empty organization: %v, want an error naming Config.Organizations", err)
	}
}

// Organization reads org_id, a string, or "".
func TestOrganization(t *testing.T) {
	for in, want := range map[string]string{
		`{"org_id":"org_A1"}`:   "org_A1",
		`{"org_id":""}`:         "",
		`{}`:                    "",
		`{"org_id":1}`:          "",
		`{"org_id":["org_A1"]}`: "",
		`{"org_id":null}`:       "",
		`{"org_name":"acme"}`:   "",
	} {
		c, err := provider.ParseClaims([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := auth0.Organization(c); got != want {
			t.Errorf("Organization(%s) = %q, want %q", in, got, want)
		}
	}
}

type orgKey struct{}

// End to end: a Verifier learns a custom domain of a stand-in tenant from
// its first token through the Resolver, and with a Partition holds it per
// organization of the request, each with its own Organizations.
func TestResolverVerifier(t *testing.T) {
	const host = "login.example.com" // in the stand-in's certificate (*.example.com)
	idp := testissuer.NewAuth0()
	defer idp.Close()
	idp.SetIssuer("https://" + host + "/")
	// The network resolves login.example.com to the stand-in.
	tr := idp.Server.Client().Transport.(*http.Transport).Clone()
	addr := idp.Server.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	l := domainLookup{answer: func(ctx context.Context, domain string) (auth0.Config, bool, error) {
		if domain != host {
			return auth0.Config{}, false, nil
		}
		org, _ := ctx.Value(orgKey{}).(string)
		return auth0.Config{Audiences: []string{api}, Organizations: []string{org}}, true, nil
	}}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Tenants: provider.TenantsConfig{
			Resolver: newResolver(t, &l),
			Partition: func(ctx context.Context) string {
				org, _ := ctx.Value(orgKey{}).(string)
				return org
			},
		},
		Cache: cache.Config{HTTPClient: client},
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	defer v.Close()

	acme := context.WithValue(context.Background(), orgKey{}, "org_Acme")
	globex := context.WithValue(context.Background(), orgKey{}, "org_Globex")
	tok := idp.Sign("", idp.Claims("auth0|alice", api, time.Hour, jwt.MapClaims{"org_id": "org_Acme"}))
	c, err := v.Verify(acme, tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.Issuer() != "https://"+host+"/" || auth0.Organization(c) != "org_Acme" {
		t.Errorf("Issuer %q Organization %q", c.Issuer(), auth0.Organization(c))
	}
	if _, err := v.Verify(acme, idp.Auth0Token("auth0|bob", api)); !errors.Is(err, reasons.Claims) {
		t.Errorf("token without an organization: %v, want ErrClaims", err)
	}
	// Acme's token presented on Globex's side of the service.
	if _, err := v.Verify(globex, tok); !errors.Is(err, reasons.Claims) {
		t.Errorf("token of org_Acme for org_Globex: %v, want ErrClaims", err)
	}
	if n := l.calls.Load(); n != 2 {
		t.Errorf("%d Domain calls for one domain in two partitions, want 2", n)
	}

	// A domain Domain does not know, and one of another shape (no call).
	idp.SetIssuer("https://other.example.com/")
	if _, err := v.Verify(acme, idp.Auth0Token("auth0|eve", api)); !errors.Is(err, reasons.UnknownIssuer) {
		t.Errorf("token of a domain not ours: %v, want ErrUnknownIssuer", err)
	}
	idp.SetIssuer("https://" + host)
	if _, err := v.Verify(acme, idp.Auth0Token("auth0|eve", api)); !errors.Is(err, reasons.UnknownIssuer) {
		t.Errorf("token of an issuer without the trailing slash: %v, want ErrUnknownIssuer", err)
	}
	if n, asked := l.calls.Load(), l.asked.Load(); n != 3 || asked != "other.example.com" {
		t.Errorf("%d Domain calls, last for %v; want 3, the last for other.example.com", n, asked)
	}
}
