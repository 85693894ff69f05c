package m2m

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/dpop"
)

// Transport returns an http.RoundTripper that sends each request through
// base (http.DefaultTransport if nil) with the source's token: as a
// bearer token ("Authorization: Bearer …", oauth2.Transport), or, with
// Config.DPoPKey, as a DPoP-bound token ("Authorization: DPoP …") with a
// fresh proof made with the key (RFC 9449 §7: htm, htu, ath). When a DPoP
// server asks for its nonce (401 use_dpop_nonce with DPoP-Nonce), the
// request is sent once more with it, and the nonce is kept for that
// server's next requests, by every Transport of the source; a request
// with a body is retried only if it can be replayed (http.NewRequest sets
// GetBody for the usual bodies). With a DPoP key, waiting for a token
// ends with the request's context.
func (s *TokenSource) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if s.cfg.DPoPKey == nil {
		return &oauth2.Transport{Source: s, Base: base}
	}
	return &dpopTransport{source: s, base: base}
}

// dpopTransport is Transport for a source with a DPoP key.
type dpopTransport struct {
	source *TokenSource
	base   http.RoundTripper
}

func (t *dpopTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.source.TokenContext(r.Context())
	if err != nil {
		if r.Body != nil {
			r.Body.Close() // a RoundTripper closes the body, even on an error
		}
		return nil, err
	}
	return sendWithProof(t.base, &t.source.apiNonces, t.source.cfg.DPoPKey, r, tok.AccessToken, func(resp *http.Response) bool {
		if resp.StatusCode != http.StatusUnauthorized {
			return false
		}
		for _, c := range resp.Header.Values("WWW-Authenticate") { // DPoP's may not be the first
			if strings.Contains(c, `error="use_dpop_nonce"`) {
				return true
			}
		}
		return false
	})
}

// tokenRequestTransport adds a DPoP proof to token requests (RFC 9449
// §5), answering a use_dpop_nonce error (400) once with the nonce. The
// proof names the URL it is sent to: a source with a DPoP key asks the
// token endpoint itself, not the proxy in front of it.
type tokenRequestTransport struct {
	key    crypto.Signer
	base   http.RoundTripper
	nonces *sync.Map
}

func (t *tokenRequestTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return sendWithProof(t.base, t.nonces, t.key, r, "", func(resp *http.Response) bool {
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("DPoP-Nonce") == "" {
			return false
		}
		// The error is in the body: read it, and put it back.
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return err == nil && bytes.Contains(body, []byte(`"use_dpop_nonce"`))
	})
}

// sendWithProof sends r with a DPoP proof made with key (for token, if
// not empty, as "Authorization: DPoP"), and once more with the server's
// nonce if askedNonce says the answer asks for one.
func sendWithProof(rt http.RoundTripper, nonces *sync.Map, key crypto.Signer, r *http.Request, token string, askedNonce func(*http.Response) bool) (*http.Response, error) {
	origin := r.URL.Scheme + "://" + r.URL.Host
	send := func(body io.ReadCloser) (*http.Response, error) {
		nonce, _ := nonces.Load(origin)
		n, _ := nonce.(string)
		proof, err := dpop.NewProof(key, r.Method, r.URL.String(), token, n)
		if err != nil {
			if body != nil {
				body.Close()
			}
			return nil, err
		}
		req := r.Clone(r.Context())
		req.Body = body
		req.Header.Set("DPoP", proof)
		if token != "" {
			req.Header.Set("Authorization", "DPoP "+token)
		}
		return rt.RoundTrip(req)
	}
	resp, err := send(r.Body)
	if err != nil {
		return nil, err
	}
	// A server may hand out its next nonce with any answer (RFC 9449 §8.2).
	n := resp.Header.Get("DPoP-Nonce")
	if n != "" {
		nonces.Store(origin, n)
	}
	if n == "" || !askedNonce(resp) {
		return resp, nil
	}
	if r.Body != nil && r.Body != http.NoBody {
		if r.GetBody == nil {
			return resp, nil // cannot be sent again: the caller sees the 401/400
		}
		body, err := r.GetBody()
		if err != nil {
			return resp, nil
		}
		resp.Body.Close()
		return send(body)
	}
	resp.Body.Close()
	return send(r.Body)
}

// checkDPoPKey refuses a key no DPoP proof can be made with.
func checkDPoPKey(key crypto.Signer) error {
	if key == nil {
		return nil
	}
	if _, err := dpop.Thumbprint(key.Public()); err != nil {
		return fmt.Errorf("m2m: Config.DPoPKey: %w", err)
	}
	return nil
}
