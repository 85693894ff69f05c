package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/issuertest"
)

// walkthrough calls the API at apiURL with tokens from iss, printing each
// request and response to out. It returns an error naming every check that
// did not behave as expected.
func walkthrough(ctx context.Context, out io.Writer, iss *issuertest.Issuer, apiURL string) error {
	w := &walker{ctx: ctx, out: out, api: apiURL, client: &http.Client{Timeout: 10 * time.Second}}
	defer w.client.CloseIdleConnections()

	w.step("1. A valid token: 200, and the handler sees its claims")
	valid := iss.Token("alice", audience, jwt.MapClaims{"scope": "profile", "name": "Alice Example"})
	w.get("/api/me", valid, http.StatusOK, "")

	w.step("2. No token: 401 with a bare challenge (no error code, RFC 6750 §3.1)")
	w.get("/api/me", "", http.StatusUnauthorized, "")

	w.step("3. An expired token: 401 invalid_token")
	expired := iss.Sign("", iss.Claims("alice", audience, -5*time.Minute, nil))
	w.get("/api/me", expired, http.StatusUnauthorized, "invalid_token")

	w.step(`4. A token minted for another API (aud "billing-api"): 401 invalid_token`)
	w.get("/api/me", iss.Token("alice", "billing-api", nil), http.StatusUnauthorized, "invalid_token")

	w.step("5. Key rotation: the issuer publishes a new key and signs with it at once")
	before := iss.Fetches()
	kid := iss.AddKey("RS256")
	rotated := iss.Sign(kid, iss.Claims("alice", audience, time.Hour, jwt.MapClaims{"scope": "profile"}))
	w.printf("   new kid %s; JWKS fetches so far: %d\n", kid, before)
	w.get("/api/me", rotated, http.StatusOK, "")
	after := iss.Fetches()
	w.printf("   JWKS fetches now: %d (the unknown kid made the cache refresh once, then accept the token)\n", after)
	w.check(after == before+1, "key rotation: JWKS fetches went from %d to %d, want exactly one more", before, after)
	w.get("/api/me", rotated, http.StatusOK, "")
	n := iss.Fetches()
	if w.check(n == after, "key rotation: the new key was fetched again (%d fetches, want %d)", n, after) {
		w.printf("   JWKS fetches still %d: the new key is cached now\n", n)
	}

	w.step("6. A scope-guarded route: /api/reports needs the reports:read scope")
	w.get("/api/reports", valid, http.StatusForbidden, "insufficient_scope")
	withScope := iss.Token("alice", audience, jwt.MapClaims{"scope": "profile " + reportsScope})
	w.get("/api/reports", withScope, http.StatusOK, "")

	w.step("7. DPoP (RFC 9449): a token bound to the client's key is worth nothing without a proof made with it")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	bound := iss.DPoPToken("alice", audience, key.Public(), jwt.MapClaims{"scope": "profile"})
	w.get("/api/me", bound, http.StatusUnauthorized, "invalid_token") // as a bearer token
	proof, err := dpop.NewProof(key, http.MethodGet, w.api+"/api/me", bound, "")
	if err != nil {
		return err
	}
	w.dpop("/api/me", bound, proof, http.StatusOK, "")
	w.dpop("/api/me", bound, proof, http.StatusUnauthorized, "invalid_dpop_proof") // the same proof again

	w.step("8. What it looks like in Prometheus: GET /metrics")
	w.metrics(
		`jwtguard_jwt_verifications_total{issuer="`+iss.URL+`",reason="none",result="success"} 8`,
		`jwtguard_jwt_verifications_total{issuer="`+iss.URL+`",reason="expired",result="failure"} 1`,
		`jwtguard_jwks_refresh_total{issuer="`+iss.URL+`",result="updated",source="provider",trigger="unknown_kid"} 1`,
		`jwtguard_jwks_keys{issuer="`+iss.URL+`"} 2`,
		`jwtguard_dpop_checks_total{reason="dpop_replay",result="refused"} 1`,
	)

	return w.result()
}

// metrics fetches /metrics, prints the jwtguard series among them and
// checks that each wanted line is there.
func (w *walker) metrics(want ...string) {
	w.checks++
	req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, w.api+"/metrics", nil)
	if err != nil {
		w.fail("GET /metrics: %v", err)
		return
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.fail("GET /metrics: %v", err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		w.fail("GET /metrics: reading the body: %v", err)
		return
	}
	lines := strings.Split(string(body), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "jwtguard_jwt_verifications_total") || strings.HasPrefix(l, "jwtguard_jwks_refresh_total") ||
			strings.HasPrefix(l, "jwtguard_jwks_keys") || strings.HasPrefix(l, "jwtguard_jwks_unknown_kid_total") {
			w.printf("   %s\n", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(lines, l) {
			w.fail("GET /metrics: no line %q", l)
			return
		}
	}
	w.printf("   ok\n")
}

// walker runs the walkthrough's requests and records what differed from
// the expectations.
type walker struct {
	ctx    context.Context
	out    io.Writer
	api    string
	client *http.Client
	checks int
	failed []string
}

func (w *walker) printf(format string, args ...any) { fmt.Fprintf(w.out, format, args...) }

func (w *walker) step(title string) { w.printf("\n== %s\n", title) }

// check counts one check and records a failure unless ok; it returns ok.
func (w *walker) check(ok bool, format string, args ...any) bool {
	w.checks++
	if !ok {
		w.fail(format, args...)
	}
	return ok
}

func (w *walker) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.failed = append(w.failed, msg)
	w.printf("   MISMATCH: %s\n", msg)
}

// get sends GET path with token ("" for none) and checks the status and
// the error code of the WWW-Authenticate challenge ("" for none).
func (w *walker) get(path, token string, wantStatus int, wantCode string) {
	w.send(path, "Bearer", token, "", wantStatus, wantCode)
}

// dpop is get with "Authorization: DPoP" and the DPoP header proof.
func (w *walker) dpop(path, token, proof string, wantStatus int, wantCode string) {
	w.send(path, "DPoP", token, proof, wantStatus, wantCode)
}

func (w *walker) send(path, scheme, token, proof string, wantStatus int, wantCode string) {
	w.checks++
	req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, w.api+path, nil)
	if err != nil {
		w.fail("GET %s: %v", path, err)
		return
	}
	switch {
	case proof != "":
		req.Header.Set("Authorization", scheme+" "+token)
		req.Header.Set("DPoP", proof)
		w.printf("   GET %s  Authorization: %s <%s>  DPoP: <proof, jti %s>\n", path, scheme, describe(token), proofID(proof))
	case token != "":
		req.Header.Set("Authorization", scheme+" "+token)
		w.printf("   GET %s  Authorization: %s <%s>\n", path, scheme, describe(token))
	default:
		w.printf("   GET %s  (no Authorization header)\n", path)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.fail("GET %s: %v", path, err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if err != nil {
		w.fail("GET %s: reading the body: %v", path, err)
		return
	}

	w.printf("   -> %s\n", resp.Status)
	challenge := resp.Header.Get("WWW-Authenticate")
	if challenge != "" {
		w.printf("   WWW-Authenticate: %s\n", challenge)
	}
	w.printf("   %s\n", bytes.TrimSpace(body))

	code := challengeError(challenge)
	switch {
	case resp.StatusCode != wantStatus:
		w.fail("GET %s: status %d, want %d", path, resp.StatusCode, wantStatus)
	case resp.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(challenge, scheme+" "):
		w.fail("GET %s: 401 without a %s challenge first", path, scheme)
	case code != wantCode:
		w.fail("GET %s: error code %q, want %q", path, code, wantCode)
	default:
		w.printf("   ok\n")
	}
}

// result summarizes the walkthrough.
func (w *walker) result() error {
	if len(w.failed) == 0 {
		w.printf("\nAll %d checks behaved as expected.\n", w.checks)
		return nil
	}
	return fmt.Errorf("walkthrough: %d check(s) did not behave as expected:\n  %s",
		len(w.failed), strings.Join(w.failed, "\n  "))
}

// challengeError returns the error attribute of a Bearer challenge, e.g.
// "invalid_token", or "" if it has none.
func challengeError(challenge string) string {
	_, rest, ok := strings.Cut(challenge, ` error="`)
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, `"`)
	return code
}

// describe summarizes a token for the printout: its kid, aud, scope and
// expiry. It reads the token without verifying it, which is fine for
// printing and never for deciding anything.
func describe(token string) string {
	claims := jwt.MapClaims{}
	t, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		return "unparsable token"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kid %v, aud %v", t.Header["kid"], claims["aud"])
	if s, ok := claims["scope"]; ok {
		fmt.Fprintf(&b, ", scope %q", s)
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		d := time.Until(exp.Time)
		if d.Abs() >= time.Minute {
			d = d.Round(time.Minute)
		} else {
			d = d.Round(time.Second)
		}
		if d > 0 {
			fmt.Fprintf(&b, ", expires in %v", d)
		} else {
			fmt.Fprintf(&b, ", expired %v ago", -d)
		}
	}
	return b.String()
}

// proofID is the jti of a DPoP proof, for the printout.
func proofID(proof string) string {
	var c struct {
		JTI string `json:"jti"`
	}
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return "?"
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(b, &c) != nil {
		return "?"
	}
	return c.JTI
}
