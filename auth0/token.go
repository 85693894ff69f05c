package auth0

// TokenURL returns the OAuth 2.0 token endpoint of the tenant domain
// (normalized as Domain does): https://<domain>/oauth/token. It is where
// machine-to-machine clients exchange their credentials, e.g. as
// m2m.Config.TokenURL.
func TokenURL(domain string) (string, error) {
	d, err := Domain(domain)
	if err != nil {
		return "", err
	}
	return "https://" + d + "/oauth/token", nil
}
