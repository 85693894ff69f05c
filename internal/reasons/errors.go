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
	TooLarge      = New("too_large", "provider: token too large", InvalidToken)
	Malformed     = New("malformed", "provider: malformed token", InvalidToken)
	UnknownIssuer = New("unknown_issuer", "provider: token from an issuer that is not configured", InvalidToken)
	Algorithm     = New("algorithm", "provider: signing algorithm not allowed", InvalidToken)
	KeyID         = New("kid", "provider: missing or invalid kid", InvalidToken)
	UnknownKey    = New("unknown_key", "provider: no key for the token's kid", InvalidToken)
	Signature     = New("signature", "provider: invalid signature", InvalidToken)
	Expired       = New("expired", "provider: token expired", InvalidToken)
	NotYetValid   = New("not_yet_valid", "provider: token not valid yet", InvalidToken)
	MissingClaim  = New("missing_claim", "provider: required claim missing", InvalidToken)
	Audience      = New("audience", "provider: audience not accepted", InvalidToken)
	TokenUse      = New("token_use", "provider: token_use not accepted", InvalidToken)
	Client        = New("client", "provider: client not accepted", InvalidToken)
	Claims        = New("claims", "provider: claims not accepted", InvalidToken)
	Type          = New("type", "provider: token type (typ) not accepted", InvalidToken)
	// MissingGroup is a provider rule's required group missing.
	MissingGroup = New("insufficient_scope", "provider: required group missing", InsufficientScope)
)

// Error is a sentinel with a short, fixed code (a metrics label) and a
// category it matches (none if nil): the refusals of provider, cognito,
// auth0, dpop and the middleware are all made with New.
type Error struct {
	Code     string
	msg      string
	category error
}

// New returns a reason with its code, its message (which starts with its
// package's name) and its category.
func New(code, msg string, category error) *Error {
	return &Error{Code: code, msg: msg, category: category}
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.category }
