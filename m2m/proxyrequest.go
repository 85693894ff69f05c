package m2m

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// tokenRequest is a parsed client-credentials request to the proxy.
type tokenRequest struct {
	clientID, clientSecret string
	style                  oauth2.AuthStyle // how the caller sent its credentials, and how they go upstream
	scopes                 []string
	params                 url.Values // all but grant_type, client_id, client_secret and scope
}

// requestError is a request the proxy refuses, as an OAuth error answer.
type requestError struct {
	status      int
	code        string
	description string
}

func badRequest(desc string) *requestError {
	return &requestError{http.StatusBadRequest, "invalid_request", desc}
}

// parseRequest reads and checks a token request: POST, a body of at most
// limit bytes, form-encoded or a JSON object of strings, each parameter
// once, grant_type=client_credentials, and the client's id and secret by
// exactly one method (body or HTTP Basic, RFC 6749 §2.3.1).
func parseRequest(w http.ResponseWriter, r *http.Request, limit int64) (*tokenRequest, *requestError) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &requestError{http.StatusMethodNotAllowed, "invalid_request", "use POST"}
	}
	if r.URL.RawQuery != "" {
		return nil, badRequest("parameters belong in the body, not the URL")
	}
	if r.ContentLength > limit {
		return nil, &requestError{http.StatusRequestEntityTooLarge, "invalid_request", "request body too large"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, &requestError{http.StatusRequestEntityTooLarge, "invalid_request", "request body too large"}
		}
		return nil, badRequest("cannot read the request body")
	}
	params, rerr := parseBody(r.Header.Get("Content-Type"), body)
	if rerr != nil {
		return nil, rerr
	}
	switch gt := params.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		return nil, badRequest("grant_type is required")
	default:
		return nil, &requestError{http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported"}
	}
	req := &tokenRequest{
		clientID:     params.Get("client_id"),
		clientSecret: params.Get("client_secret"),
		style:        oauth2.AuthStyleInParams,
		scopes:       strings.Fields(params.Get("scope")),
	}
	if r.Header.Get("Authorization") != "" {
		id, secret, ok := r.BasicAuth()
		if !ok {
			return nil, &requestError{http.StatusUnauthorized, "invalid_client", "only HTTP Basic client authentication is supported"}
		}
		if req.clientSecret != "" {
			return nil, badRequest("client credentials sent both in the body and with HTTP Basic")
		}
		// RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
		id, err1 := url.QueryUnescape(id)
		secret, err2 := url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, badRequest("HTTP Basic credentials are not form-encoded")
		}
		if req.clientID != "" && req.clientID != id {
			return nil, badRequest("client_id differs from the HTTP Basic user")
		}
		req.clientID, req.clientSecret, req.style = id, secret, oauth2.AuthStyleInHeader
	}
	if req.clientID == "" || req.clientSecret == "" {
		return nil, &requestError{http.StatusUnauthorized, "invalid_client", "client_id and client_secret are required"}
	}
	for _, k := range []string{"grant_type", "client_id", "client_secret", "scope"} {
		params.Del(k)
	}
	req.params = params
	return req, nil
}

// parseBody returns the parameters of a form or JSON body; empty values
// are dropped (RFC 6749 §3.2: they count as omitted).
func parseBody(contentType string, body []byte) (url.Values, *requestError) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, badRequest("Content-Type must be application/x-www-form-urlencoded or application/json")
	}
	params := url.Values{}
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, badRequest("malformed form body")
		}
		for k, vs := range v {
			if len(vs) > 1 {
				return nil, badRequest("parameter " + k + " repeated")
			}
			if vs[0] != "" {
				params.Set(k, vs[0])
			}
		}
	case "application/json":
		obj, rerr := parseJSONObject(body)
		if rerr != nil {
			return nil, rerr
		}
		for k, s := range obj {
			if s != "" {
				params.Set(k, s)
			}
		}
	default:
		return nil, badRequest("Content-Type must be application/x-www-form-urlencoded or application/json")
	}
	return params, nil
}

// parseJSONObject reads a JSON body that is one object of strings, each
// name given once: a name given twice would leave it to the decoder which
// value counts, as a form refuses it.
func parseJSONObject(body []byte) (map[string]string, *requestError) {
	malformed := badRequest("malformed JSON body: want an object of strings")
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, malformed
	}
	obj := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, malformed
		}
		k := t.(string) // inside an object, a token before a value is its name
		if _, dup := obj[k]; dup {
			return nil, badRequest("parameter " + k + " repeated")
		}
		if t, err = dec.Token(); err != nil {
			return nil, malformed
		}
		v, ok := t.(string)
		if !ok {
			return nil, badRequest("parameter " + k + " is not a string")
		}
		obj[k] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, malformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("malformed JSON body: data after the object")
	}
	return obj, nil
}

// writeError answers an OAuth error (RFC 6749 §5.2).
func writeError(w http.ResponseWriter, e *requestError) {
	h := w.Header()
	if e.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="token"`)
	}
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
