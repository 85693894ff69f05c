package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       config
		wantIssuer string
		wantErr    string
	}{
		{
			name: "flags",
			args: []string{"-region", "eu-west-1", "-user-pool-id", "eu-west-1_AbCdEf123", "-client-ids", "c1, c2", "-token-use", "id", "-group", "ops"},
			want: config{Addr: "127.0.0.1:8080", Region: "eu-west-1", UserPoolID: "eu-west-1_AbCdEf123",
				ClientIDs: []string{"c1", "c2"}, TokenUse: cognito.IDToken, Group: "ops"},
			wantIssuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
		},
		{
			name: "environment",
			env: map[string]string{"COGNITO_REGION": "us-east-1", "COGNITO_USER_POOL_ID": "us-east-1_Zz9",
				"COGNITO_CLIENT_IDS": "app", "COGNITO_TOKEN_USE": "any", "COGNITO_GROUP": "staff", "ADDR": ":9000"},
			want: config{Addr: ":9000", Region: "us-east-1", UserPoolID: "us-east-1_Zz9",
				ClientIDs: []string{"app"}, TokenUse: cognito.AnyToken, Group: "staff"},
			wantIssuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Zz9",
		},
		{
			name: "AWS_REGION, access tokens by default",
			env:  map[string]string{"AWS_REGION": "ap-southeast-2", "COGNITO_USER_POOL_ID": "ap-southeast-2_Q1", "COGNITO_CLIENT_IDS": "app"},
			want: config{Addr: "127.0.0.1:8080", Region: "ap-southeast-2", UserPoolID: "ap-southeast-2_Q1",
				ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken, Group: "admin"},
			wantIssuer: "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Q1",
		},
		{
			name: "flags win over the environment",
			args: []string{"-region", "eu-central-1", "-user-pool-id", "eu-central-1_Flag"},
			env:  map[string]string{"COGNITO_REGION": "us-east-1", "AWS_REGION": "us-west-2", "COGNITO_USER_POOL_ID": "us-east-1_Env", "COGNITO_CLIENT_IDS": "app"},
			want: config{Addr: "127.0.0.1:8080", Region: "eu-central-1", UserPoolID: "eu-central-1_Flag",
				ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken, Group: "admin"},
			wantIssuer: "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Flag",
		},
		{
			name: "a stand-in needs no region",
			args: []string{"-endpoint", "http://127.0.0.1:9229", "-user-pool-id", "local_5sKxWd2w", "-client-ids", "app"},
			want: config{Addr: "127.0.0.1:8080", UserPoolID: "local_5sKxWd2w", ClientIDs: []string{"app"},
				TokenUse: cognito.AccessToken, Group: "admin", Endpoint: "http://127.0.0.1:9229"},
			wantIssuer: "http://127.0.0.1:9229/local_5sKxWd2w",
		},
		{
			name: "COGNITO_REGION wins over AWS_REGION, empty variables count as unset, empty client ids are dropped",
			env: map[string]string{"COGNITO_REGION": "eu-west-3", "AWS_REGION": "us-west-2", "COGNITO_USER_POOL_ID": "eu-west-3_P",
				"COGNITO_CLIENT_IDS": ",a,, b ,", "COGNITO_TOKEN_USE": "", "COGNITO_GROUP": "", "ADDR": ""},
			want: config{Addr: "127.0.0.1:8080", Region: "eu-west-3", UserPoolID: "eu-west-3_P",
				ClientIDs: []string{"a", "b"}, TokenUse: cognito.AccessToken, Group: "admin"},
			wantIssuer: "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_P",
		},
		{name: "no region", args: []string{"-user-pool-id", "eu-west-1_A", "-client-ids", "c"}, wantErr: "missing -region (or COGNITO_REGION, AWS_REGION)"},
		{name: "no pool", args: []string{"-region", "eu-west-1", "-client-ids", "c"}, wantErr: "missing -user-pool-id (or COGNITO_USER_POOL_ID)"},
		{name: "no client", args: []string{"-region", "eu-west-1", "-user-pool-id", "eu-west-1_A", "-client-ids", ","}, wantErr: "missing -client-ids (or COGNITO_CLIENT_IDS)"},
		{name: "empty group", args: []string{"-region", "eu-west-1", "-user-pool-id", "eu-west-1_A", "-client-ids", "c", "-group", ""}, wantErr: "-group"},
		{name: "stray argument", args: []string{"-region", "eu-west-1", "x"}, wantErr: `unexpected arguments ["x"]`},
		{name: "unknown flag", args: []string{"-pool", "x"}, wantErr: "flag provided but not defined"},
		{name: "help", args: []string{"-help"}, wantErr: flag.ErrHelp.Error()},
		// Errors cognito.New finds, reported when the provider is built.
		{name: "pool of another region", args: []string{"-region", "eu-west-1", "-user-pool-id", "us-east-1_A", "-client-ids", "c"}, wantErr: `cognito: Config.UserPoolID "us-east-1_A"`},
		{name: "bad token use", args: []string{"-region", "eu-west-1", "-user-pool-id", "eu-west-1_A", "-client-ids", "c", "-token-use", "both"}, wantErr: `cognito: Config.TokenUse "both"`},
		{name: "not a region", args: []string{"-region", "europe", "-user-pool-id", "europe_A", "-client-ids", "c"}, wantErr: `cognito: Config.Region "europe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			var p provider.Provider
			if err == nil {
				p, err = cfg.provider()
			}
			if exampletest.WantError(t, err, tt.wantErr) {
				return
			}
			if cfg.Addr != tt.want.Addr || cfg.Region != tt.want.Region || cfg.UserPoolID != tt.want.UserPoolID ||
				cfg.TokenUse != tt.want.TokenUse || cfg.Group != tt.want.Group || cfg.Endpoint != tt.want.Endpoint ||
				!slices.Equal(cfg.ClientIDs, tt.want.ClientIDs) {
				t.Errorf("parseConfig = %+v, want %+v", cfg, tt.want)
			}
			if p.Issuer() != tt.wantIssuer || p.JWKSURL() != tt.wantIssuer+"/.well-known/jwks.json" {
				t.Errorf("issuer %q, JWKS %q; want %q and its /.well-known/jwks.json", p.Issuer(), p.JWKSURL(), tt.wantIssuer)
			}
		})
	}
	// -h prints the usage of the command, and its variables.
	var usage strings.Builder
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage of cognito:", "COGNITO_REGION, AWS_REGION", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_IDS",
		"COGNITO_TOKEN_USE", "COGNITO_GROUP", "COGNITO_ENDPOINT", "(ADDR)"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("-h output has no %q:\n%s", want, usage.String())
		}
	}
}

// fakePool starts an issuertest stand-in for the user pool poolID and
// returns it with the configuration for it: access tokens of client
// "app-client", group "admin", and the Endpoint of the stand-in.
func fakePool(t *testing.T, poolID string) (*issuertest.Issuer, config) {
	t.Helper()
	iss := issuertest.NewCognito(poolID)
	t.Cleanup(iss.Close)
	return iss, config{UserPoolID: poolID, ClientIDs: []string{"app-client"}, TokenUse: cognito.AccessToken,
		Group: "admin", Endpoint: iss.Server.URL}
}

// accessToken mints a Cognito access token for client with groups.
func accessToken(iss *issuertest.Issuer, client string, groups ...string) string {
	extra := jwt.MapClaims{"token_use": "access", "client_id": client, "username": "alice", "scope": "aws.cognito.signin.user.admin"}
	if groups != nil {
		extra["cognito:groups"] = groups
	}
	return iss.Sign("", iss.Claims("0f1e2d3c-sub", "", time.Hour, extra))
}

// TestRouter drives the API, run on a real listener, against an
// issuertest stand-in for a user pool, reached through the Endpoint
// override.
func TestRouter(t *testing.T) {
	iss, cfg := fakePool(t, "eu-west-1_TestPool1")
	addr, _ := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, cfg, ln, slog.New(slog.DiscardHandler))
	})

	idToken := iss.Sign("", iss.Claims("0f1e2d3c-sub", "app-client", time.Hour, jwt.MapClaims{"token_use": "id"}))
	exampletest.CheckRoutes(t, "http://"+addr, []exampletest.Route{
		{Name: "public", Path: "/healthz", Status: http.StatusOK, Body: `{"status":"ok"}`, ContentType: "application/json"},
		{Name: "protected without a token", Path: "/api/me", Status: http.StatusUnauthorized, Body: `"unauthorized"`},
		{Name: "access token", Path: "/api/me", Token: accessToken(iss, "app-client"), Status: http.StatusOK, Body: `"username":"alice"`, ContentType: "application/json"},
		{Name: "access token of another app client", Path: "/api/me", Token: accessToken(iss, "other-client"), Status: http.StatusUnauthorized, Body: `"invalid_token"`},
		{Name: "ID token where access tokens are wanted", Path: "/api/me", Token: idToken, Status: http.StatusUnauthorized, Body: `"invalid_token"`},
		{Name: "guarded without the group", Path: "/api/admin", Token: accessToken(iss, "app-client", "staff"), Status: http.StatusForbidden, Body: `"insufficient_scope"`},
		{Name: "guarded with the group", Path: "/api/admin", Token: accessToken(iss, "app-client", "staff", "admin"), Status: http.StatusOK, Body: `hello, admin 0f1e2d3c-sub`},
		{Name: "metrics", Path: "/metrics", Status: http.StatusOK, Body: `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="token_use",result="failure"} 1`},
		{Name: "Go metrics", Path: "/metrics", Status: http.StatusOK, Body: "\ngo_goroutines "},
		{Name: "process metrics", Path: "/metrics", Status: http.StatusOK, Body: "\nprocess_start_time_seconds "},
	})
	// The keys came from <endpoint>/<pool>/.well-known/jwks.json.
	if iss.Fetches() != 1 {
		t.Errorf("%d JWKS fetches, want 1", iss.Fetches())
	}
}

// TestRun serves on a real listener and shuts down gracefully when the
// context ends; it serves while the keys cannot be fetched, and fails on a
// configuration cognito.New refuses.
func TestRun(t *testing.T) {
	iss, cfg := fakePool(t, "eu-west-1_RunPool")
	t.Run("serves", func(t *testing.T) {
		var logs exampletest.Logs
		addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return run(ctx, cfg, ln, logs.Logger())
		})
		if status, body := exampletest.Get(t, "http://"+addr+"/api/me", accessToken(iss, "app-client")); status != http.StatusOK {
			t.Errorf("GET /api/me: %d %q, want 200", status, body)
		}
		if status, _ := exampletest.Get(t, "http://"+addr+"/api/me", ""); status != http.StatusUnauthorized {
			t.Errorf("GET /api/me without a token: %d, want 401", status)
		}
		stop()
		exampletest.CheckClosed(t, addr)
		got := logs.String()
		if !strings.Contains(got, "msg=listening addr="+addr+" issuer="+iss.Issuer()) || strings.Contains(got, "keys not loaded") {
			t.Errorf("logs:\n%s\nwant a line listening on %s for %s, and no warning", got, addr, iss.Issuer())
		}
		if !strings.Contains(got, "request rejected") || !strings.Contains(got, "path=/api/me") {
			t.Errorf("logs:\n%s\nwant the middleware's rejection of /api/me", got)
		}
	})
	t.Run("keys unavailable", func(t *testing.T) {
		down, cfg := fakePool(t, "eu-west-1_DownPool")
		down.SetStatus(http.StatusInternalServerError)
		var logs exampletest.Logs
		addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return run(ctx, cfg, ln, logs.Logger())
		})
		defer stop()
		status, body := exampletest.Get(t, "http://"+addr+"/api/me", accessToken(down, "app-client"))
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
			t.Errorf("GET /api/me: %d %q, want 503 temporarily_unavailable", status, body)
		}
		if status, _ := exampletest.Get(t, "http://"+addr+"/healthz", ""); status != http.StatusOK {
			t.Errorf("GET /healthz: %d, want 200", status)
		}
		if got := logs.String(); !strings.Contains(got, `level=WARN msg="keys not loaded yet`) {
			t.Errorf("logs:\n%s\nwant a warning that the keys are not loaded", got)
		}
	})
	t.Run("bad pool id", func(t *testing.T) {
		// A configuration cognito.New refuses fails run and closes the
		// listener.
		ln := exampletest.Listen(t)
		err := run(context.Background(), config{Region: "eu-west-1", UserPoolID: "us-east-1_X", ClientIDs: []string{"c"},
			TokenUse: cognito.AccessToken, Group: "admin"}, ln, slog.New(slog.DiscardHandler))
		if err == nil || !strings.HasPrefix(err.Error(), "cognito: ") {
			t.Errorf("run with a bad pool id = %v, want a cognito error", err)
		}
		exampletest.CheckClosed(t, ln.Addr().String())
	})
	t.Run("shuts down gracefully", func(t *testing.T) {
		exampletest.CheckGracefulShutdown(t, "/api/me", func(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
			return run(ctx, cfg, ln, logger)
		})
	})
}

// TestMain fails the package if a test leaves a goroutine behind: the
// program's Verifier (and everything else it starts) must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
