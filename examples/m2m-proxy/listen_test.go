package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/issuertest"
)

// Plain HTTP is served on loopback without asking; anywhere else it needs
// TLS, or -insecure-http (flag or environment) for a deployment behind a
// TLS-terminating proxy.
func TestListenOptions(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		insecure bool
	}{
		{"default", nil, nil, false},
		{"IPv4 loopback", []string{"-listen", "127.0.0.2:8080"}, nil, false},
		{"IPv6 loopback", []string{"-listen", "[::1]:8080"}, nil, false},
		{"localhost", nil, map[string]string{"M2M_LISTEN": "localhost:0"}, false},
		{"an empty M2M_LISTEN counts as unset", nil, map[string]string{"M2M_LISTEN": ""}, false},
		{"every interface with TLS", []string{"-listen", ":8443", "-tls-cert", "c.pem", "-tls-key", "k.pem"}, nil, false},
		{"TLS from the environment", []string{"-listen", ":8443"}, map[string]string{"M2M_TLS_CERT": "c.pem", "M2M_TLS_KEY": "k.pem"}, false},
		{"every interface, -insecure-http", []string{"-listen", ":8080", "-insecure-http"}, nil, true},
		{"every interface, M2M_INSECURE_HTTP", []string{"-listen", ":8080"}, map[string]string{"M2M_INSECURE_HTTP": "true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"M2M_UPSTREAM": "https://example.com/token", "M2M_PROXY_SECRET": secret}
			for k, v := range tt.env {
				env[k] = v
			}
			o, err := parseOptions(tt.args, func(k string) string { return env[k] }, io.Discard)
			if err != nil {
				t.Fatalf("parseOptions: %v", err)
			}
			if o.InsecureHTTP != tt.insecure {
				t.Fatalf("InsecureHTTP %v, want %v", o.InsecureHTTP, tt.insecure)
			}
		})
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key to
// files, and returns their names and a pool that trusts the certificate.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "m2m-proxy test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With -tls-cert and -tls-key the proxy answers over TLS only.
func TestTLS(t *testing.T) {
	iss := newIssuer(t)
	certFile, keyFile, pool := writeCert(t)
	base := start(t, []string{"-upstream", iss.URL + issuertest.TokenPath, "-listen", "127.0.0.1:0", "-tls-cert", certFile},
		map[string]string{"M2M_PROXY_SECRET": secret, "M2M_TLS_KEY": keyFile})
	secure := "https://" + strings.TrimPrefix(base, "http://")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"vendor"}, "client_secret": {"vendor-secret"}}
	resp, err := client.PostForm(secure+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusOK || a.AccessToken == "" || resp.TLS == nil {
		t.Fatalf("token over TLS: %d, %v", resp.StatusCode, err)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusBadRequest {
		t.Fatalf("plain HTTP to the TLS listener: %d, want 400", code)
	}
}

// A client that sends its headers and then trickles (or withholds) its
// body is cut off after ReadTimeout, not left holding a handler.
func TestSlowBody(t *testing.T) {
	iss := newIssuer(t)
	base, _ := startWith(t, func(ctx context.Context, ready func(addr, metricsAddr string)) error {
		o, err := parseOptions([]string{"-upstream", iss.URL + issuertest.TokenPath, "-listen", "127.0.0.1:0"},
			func(k string) string { return map[string]string{"M2M_PROXY_SECRET": secret}[k] }, io.Discard)
		if err != nil {
			return err
		}
		o.ReadTimeout = 200 * time.Millisecond
		return serve(ctx, o, slog.New(slog.DiscardHandler), ready)
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /oauth/token HTTP/1.1\r\nHost: proxy\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=")
	if err != nil {
		t.Fatal(err)
	}
	// The server answers or hangs up long before the client gives up.
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("the connection is still open: %v", err)
	}
}

// With -metrics-listen, /metrics is served there and not with the tokens.
func TestMetricsListen(t *testing.T) {
	iss := newIssuer(t)
	base, metricsBase := startWith(t, func(ctx context.Context, ready func(addr, metricsAddr string)) error {
		args := []string{"-upstream", iss.URL + issuertest.TokenPath, "-listen", "127.0.0.1:0"}
		env := map[string]string{"M2M_PROXY_SECRET": secret, "M2M_METRICS_LISTEN": "127.0.0.1:0"}
		return run(ctx, args, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler), ready)
	})
	if metricsBase == "" || metricsBase == base {
		t.Fatalf("metrics listener %q, want one of its own", metricsBase)
	}
	token(t, base)
	code, body := get(t, metricsBase+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics on its listener: %d", code)
	}
	expectSeries(t, "/metrics", body, `jwtguard_m2m_proxy_requests_total{result="miss",source="proxy"} 1`)
	if code, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("/metrics on the token listener: %d, want 404", code)
	}
}
