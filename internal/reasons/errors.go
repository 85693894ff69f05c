package reasons

import "errors"

// The categories of an invalid token that provider exports as
// ErrInvalidToken and ErrInsufficientScope: defined here so that the
// provider packages (cognito, auth0) and middleware can wrap and match the
// reasons below without the reasons being API.
var (
	InvalidToken      = errors.New("provider: invalid token")
	InsufficientScope = errors.New("provider: insufficient scope")
)

// The reasons a token is refused; each matches its category with
// errors.Is, and provider.Reason returns its code.
var (
	TooLarge      = New("too_large", "token too large", InvalidToken)
	Malformed     = New("malformed", "malformed token", InvalidToken)
	UnknownIssuer = New("unknown_issuer", "token from an issuer that is not configured", InvalidToken)
	Algorithm     = New("algorithm", "signing algorithm not allowed", InvalidToken)
	KeyID         = New("kid", "missing or invalid kid", InvalidToken)
	UnknownKey    = New("unknown_key", "no key for the token's kid", InvalidToken)
	Signature     = New("signature", "invalid signature", InvalidToken)
	Expired       = New("expired", "token expired", InvalidToken)
	NotYetValid   = New("not_yet_valid", "token not valid yet", InvalidToken)
	MissingClaim  = New("missing_claim", "required claim missing", InvalidToken)
	Audience      = New("audience", "audience not accepted", InvalidToken)
	TokenUse      = New("token_use", "token_use not accepted", InvalidToken)
	Client        = New("client", "client not accepted", InvalidToken)
	Claims        = New("claims", "claims not accepted", InvalidToken)
	Type          = New("type", "token type (typ) not accepted", InvalidToken)
	// MissingGroup is a provider rule's required group missing.
	MissingGroup = New("insufficient_scope", "required group missing", InsufficientScope)
)

// Error is a sentinel with a short, fixed code (a metrics label) and a
// category it matches.
type Error struct {
	Code     string
	msg      string
	category error
}

// New returns a reason with its code, its message (after "provider: ")
// and its category.
func New(code, msg string, category error) *Error {
	return &Error{Code: code, msg: "provider: " + msg, category: category}
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.category }
