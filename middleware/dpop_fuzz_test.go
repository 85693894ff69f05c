package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/middleware"
)

// FuzzDPoPHeaders: whatever the Authorization and DPoP headers hold, the
// middleware in DPoPAllowed mode answers 400 or 401 (a valid token with a
// valid proof aside: the seeds' first), with a challenge, and never
// panics.
func FuzzDPoPHeaders(f *testing.F) {
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	f.Add("DPoP "+bound, testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, ""))
	f.Add("DPoP "+bound, "")
	f.Add("Bearer "+bound, "x.y.z")
	f.Add("dpop a.b.c", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.")
	f.Add("DPoP", "..")
	h := newMiddleware(f, middleware.Config{DPoP: middleware.DPoPConfig{Mode: middleware.DPoPAllowed, PublicURL: publicURL}}).Handler(thumbprintEcho)
	f.Fuzz(func(t *testing.T, auth, proof string) {
		r := httptest.NewRequest(http.MethodGet, "/orders", nil)
		r.Header["Authorization"] = []string{auth}
		r.Header["Dpop"] = []string{proof}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		switch rec.Code {
		case 200:
		case 400, 401:
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatalf("%d without a challenge", rec.Code)
			}
		default:
			t.Fatalf("Authorization %q, DPoP %q: status %d", auth, proof, rec.Code)
		}
	})
}
