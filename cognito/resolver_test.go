package cognito_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// poolLookup is a ResolverConfig.Pool that counts its calls and records
// the pool ids asked about; it answers with answer.
type poolLookup struct {
	calls  atomic.Int64
	asked  atomic.Value // string
	answer func(poolID string) (cognito.Config, bool, error)
}

func (l *poolLookup) pool(_ context.Context, poolID string) (cognito.Config, bool, error) {
	l.calls.Add(1)
	l.asked.Store(poolID)
	if l.answer == nil {
		return cognito.Config{ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken}, true, nil
	}
	return l.answer(poolID)
}

func newResolver(t *testing.T, cfg cognito.ResolverConfig, l *poolLookup) provider.Resolver {
	t.Helper()
	cfg.Pool = l.pool
	r, err := cognito.Resolver(cfg)
	if err != nil {
		t.Fatalf("Resolver: %v", err)
	}
	return r
}

// Issuers not of the shape of a pool of an allowed region are refused
// without asking Pool.
func TestResolverRefusesWithoutLookup(t *testing.T) {
	aws := []string{
		"",
		"https://cognito-idp.eu-west-1.amazonaws.com",
		"https://cognito-idp.eu-west-1.amazonaws.com/",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/x",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC?x=1",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC?",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC#x",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC%2F",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab-C",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC ",
		" https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com/EU-WEST-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com//eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_" + strings.Repeat("A", 300), // longer than any pool id
		"https://cognito-idp.eu-west-1.amazonaws.com/x/../eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com:443/eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com./eu-west-1_AbC",
		"https://COGNITO-IDP.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"https://cognito-idp.EU-WEST-1.amazonaws.com/eu-west-1_AbC",
		"HTTPS://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"https://user@cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com.evil.com/eu-west-1_AbC",
		"https://evil.com/cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com@evil.com/eu-west-1_AbC",
		"https://cognito-idp.eu-west-1.evil.com/eu-west-1_AbC",
		"https://xcognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		// A region not allowed, and a pool of another region.
		"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-central-1_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com/local_AbC",
		"http://127.0.0.1:9229/local_AbC",
		"not a URL",
	}
	local := []string{
		"http://127.0.0.1:9229",
		"http://127.0.0.1:9229/",
		"http://127.0.0.1:9229/local_",
		"http://127.0.0.1:9229/_AbC",
		"http://127.0.0.1:9229/local_AbC/",
		"http://127.0.0.1:9229/local_AbC/x",
		"http://127.0.0.1:9229/local_AbC?",
		"http://127.0.0.1:9229/local_Ab.C",
		"http://127.0.0.1:9229/x/local_AbC",
		"http://127.0.0.1:9229//local_AbC",
		"http://127.0.0.1:9230/local_AbC",
		"http://127.0.0.1/local_AbC",
		"http://localhost:9229/local_AbC",
		"https://127.0.0.1:9229/local_AbC",
		"http://127.0.0.1:92290/local_AbC",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
	}
	for _, tt := range []struct {
		name    string
		cfg     cognito.ResolverConfig
		issuers []string
	}{
		{"AWS", cognito.ResolverConfig{Regions: []string{"eu-west-1", "eu-central-2"}}, aws},
		{"endpoint", cognito.ResolverConfig{Endpoint: "http://127.0.0.1:9229/"}, local},
		{"endpoint and regions", cognito.ResolverConfig{Endpoint: "http://127.0.0.1:9229", Regions: []string{"eu-west-1"}},
			append(local, "http://127.0.0.1:9229/eu-west-2_AbC", "http://127.0.0.1:9229/local_AbC")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var l poolLookup
			r := newResolver(t, tt.cfg, &l)
			for _, iss := range tt.issuers {
				if p, err := r(context.Background(), iss); p != nil || err != nil {
					t.Errorf("resolver(%q) = %v, %v; want nil, nil", iss, p, err)
				}
			}
			if n := l.calls.Load(); n != 0 {
				t.Errorf("%d Pool calls, want 0", n)
			}
		})
	}
}

// A well-formed issuer of an allowed region is looked up once, by its
// pool id, and becomes that pool's Provider with the Config Pool gave.
func TestResolverAccepts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cfg    cognito.ResolverConfig
		issuer string
		poolID string
	}{
		{"AWS", cognito.ResolverConfig{Regions: []string{"us-east-1", "eu-west-1"}},
			"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", "eu-west-1_AbCdEf123"},
		{"GovCloud", cognito.ResolverConfig{Regions: []string{"us-gov-west-1"}},
			"https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Xy9", "us-gov-west-1_Xy9"},
		{"endpoint", cognito.ResolverConfig{Endpoint: "http://127.0.0.1:9229/"},
			"http://127.0.0.1:9229/local_4h5PF7sN", "local_4h5PF7sN"},
		{"endpoint with a path", cognito.ResolverConfig{Endpoint: "https://idp.example.com/cognito"},
			"https://idp.example.com/cognito/local_4h5PF7sN", "local_4h5PF7sN"},
		{"endpoint and regions", cognito.ResolverConfig{Endpoint: "http://127.0.0.1:9229", Regions: []string{"eu-west-1"}},
			"http://127.0.0.1:9229/eu-west-1_AbC", "eu-west-1_AbC"},
		{"endpoint off loopback", cognito.ResolverConfig{Endpoint: "http://cognito-local:9229", InsecureAllowHTTP: true},
			"http://cognito-local:9229/local_4h5PF7sN", "local_4h5PF7sN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := poolLookup{answer: func(string) (cognito.Config, bool, error) {
				// What the resolver sets is overwritten.
				return cognito.Config{Region: "xx-evil-1", UserPoolID: "xx-evil-1_X", Endpoint: "https://evil.example",
					ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken}, true, nil
			}}
			r := newResolver(t, tt.cfg, &l)
			p, err := r(context.Background(), tt.issuer)
			if err != nil || p == nil {
				t.Fatalf("resolver(…) = %v, %v; want a Provider", p, err)
			}
			if n, asked := l.calls.Load(), l.asked.Load(); n != 1 || asked != tt.poolID {
				t.Errorf("Pool called %d times, last with %v; want once with %q", n, asked, tt.poolID)
			}
			if p.Issuer() != tt.issuer || p.JWKSURL() != tt.issuer+"/.well-known/jwks.json" {
				t.Errorf("Issuer %q JWKSURL %q", p.Issuer(), p.JWKSURL())
			}
			plain := p.(provider.PlainHTTP).PlainHTTP()
			if plain != tt.cfg.InsecureAllowHTTP {
				t.Errorf("PlainHTTP() = %v, want %v", plain, tt.cfg.InsecureAllowHTTP)
			}
		})
	}
}

// Pool's answers: not ours, an error, a bad Config.
func TestResolverPoolAnswers(t *testing.T) {
	const iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"
	dbDown := errors.New("database down")
	for _, tt := range []struct {
		name    string
		answer  func(string) (cognito.Config, bool, error)
		wantErr string // "": (nil, nil)
	}{
		{"not ours", func(string) (cognito.Config, bool, error) { return cognito.Config{}, false, nil }, ""},
		{"error", func(string) (cognito.Config, bool, error) { return cognito.Config{}, false, dbDown }, "database down"},
		{"no token use", func(string) (cognito.Config, bool, error) {
			return cognito.Config{ClientIDs: []string{"app"}}, true, nil
		}, "TokenUse"},
		{"no clients", func(string) (cognito.Config, bool, error) {
			return cognito.Config{TokenUse: cognito.IDToken}, true, nil
		}, "ClientIDs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := poolLookup{answer: tt.answer}
			r := newResolver(t, cognito.ResolverConfig{Regions: []string{"eu-west-1"}}, &l)
			p, err := r(context.Background(), iss)
			if p != nil {
				t.Errorf("resolver: Provider %v, want nil", p)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("resolver: %v, want nil, nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), "cognito: ") || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("resolver: %v, want a cognito error mentioning %q", err, tt.wantErr)
			}
			if tt.name == "error" && !errors.Is(err, dbDown) {
				t.Errorf("resolver: %v does not wrap Pool's error", err)
			}
			if n := l.calls.Load(); n != 1 {
				t.Errorf("%d Pool calls, want 1", n)
			}
		})
	}
}

// Resolver validates its configuration.
func TestResolverConfig(t *testing.T) {
	var l poolLookup
	for _, tt := range []struct {
		name string
		cfg  cognito.ResolverConfig
		want string
	}{
		{"no pool", cognito.ResolverConfig{Regions: []string{"eu-west-1"}}, "ResolverConfig.Pool is required"},
		{"no regions", cognito.ResolverConfig{Pool: l.pool}, "ResolverConfig.Regions is required"},
		{"bad region", cognito.ResolverConfig{Pool: l.pool, Regions: []string{"eu-west-1", "EU-WEST-2"}}, `"EU-WEST-2"`},
		{"empty region", cognito.ResolverConfig{Pool: l.pool, Regions: []string{""}}, "ResolverConfig.Regions"},
		{"region with a host", cognito.ResolverConfig{Pool: l.pool, Regions: []string{"eu-west-1.amazonaws.com.evil.com/x"}}, "ResolverConfig.Regions"},
		{"bad region with endpoint", cognito.ResolverConfig{Pool: l.pool, Endpoint: "http://127.0.0.1:9229", Regions: []string{"local"}}, `"local"`},
		{"endpoint not a URL", cognito.ResolverConfig{Pool: l.pool, Endpoint: "127.0.0.1:9229"}, "ResolverConfig.Endpoint"},
		{"endpoint with a query", cognito.ResolverConfig{Pool: l.pool, Endpoint: "http://127.0.0.1:9229?x=1"}, "query"},
		{"plain http off loopback", cognito.ResolverConfig{Pool: l.pool, Endpoint: "http://cognito-local:9229"}, "ResolverConfig.InsecureAllowHTTP"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := cognito.Resolver(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "cognito: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Resolver = %v, %v; want a cognito error mentioning %q", r, err, tt.want)
			}
		})
	}
}

// End to end: a Verifier learns a pool of a stand-in from its first token
// through the Resolver, and refuses the tokens of a pool Pool disowns.
func TestResolverVerifier(t *testing.T) {
	const other = "local_Other1"
	idp := testissuer.NewCognito(poolID)
	defer idp.Close()
	l := poolLookup{answer: func(id string) (cognito.Config, bool, error) {
		if id != poolID {
			return cognito.Config{}, false, nil
		}
		return cognito.Config{ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken, RequiredGroups: []string{"admin"}}, true, nil
	}}
	r := newResolver(t, cognito.ResolverConfig{Endpoint: idp.Server.URL}, &l)
	v, err := provider.NewVerifier(provider.VerifierConfig{Tenants: provider.TenantsConfig{Resolver: r}})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	defer v.Close()

	ctx := context.Background()
	c, err := v.Verify(ctx, idp.CognitoToken("access", "app", "alice", "admin"))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.Issuer() != idp.URL || c.Subject() == "" {
		t.Errorf("Issuer %q Subject %q", c.Issuer(), c.Subject())
	}
	// The pool's rules hold: its groups, its clients.
	if _, err := v.Verify(ctx, idp.CognitoToken("access", "app", "bob")); !errors.Is(err, reasons.MissingGroup) {
		t.Errorf("token without the group: %v, want ErrMissingGroup", err)
	}
	if _, err := v.Verify(ctx, idp.CognitoToken("access", "other-app", "alice", "admin")); !errors.Is(err, reasons.Client) {
		t.Errorf("token of another client: %v, want ErrClient", err)
	}
	if n := l.calls.Load(); n != 1 {
		t.Errorf("%d Pool calls for one pool, want 1", n)
	}

	// A pool Pool does not know, on the same endpoint.
	idp.SetIssuer(idp.Server.URL + "/" + other)
	if _, err := v.Verify(ctx, idp.CognitoToken("access", "app", "eve", "admin")); !errors.Is(err, reasons.UnknownIssuer) {
		t.Errorf("token of a pool not ours: %v, want ErrUnknownIssuer", err)
	}
	// An issuer of another shape costs no call.
	idp.SetIssuer(idp.Server.URL + "/" + poolID + "/")
	if _, err := v.Verify(ctx, idp.CognitoToken("access", "app", "eve", "admin")); !errors.Is(err, reasons.UnknownIssuer) {
		t.Errorf("token of a malformed issuer: %v, want ErrUnknownIssuer", err)
	}
	if n, asked := l.calls.Load(), l.asked.Load(); n != 2 || asked != other {
		t.Errorf("%d Pool calls, last for %v; want 2, the last for %q", n, asked, other)
	}
}
