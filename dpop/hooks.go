package dpop

// Hooks receives the outcome of each DPoP check a resource server makes
// (middleware.DPoPConfig.Hooks); the metrics package implements it.
// Checked is called on the request path: keep it cheap and safe for
// concurrent use.
type Hooks interface {
	// Checked reports one request presented with the DPoP scheme and a
	// valid token: reason is "" when its proof was accepted, else the
	// refusal's code (provider.Reason): dpop_replay for a replayed proof,
	// dpop_nonce when the server asked for its nonce (one nonce issued),
	// dpop_binding for a proof made with another key, ….
	Checked(reason string)
}
