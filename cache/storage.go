package cache

import (
	"context"
	"encoding/json"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Keyfunc returns a jwt.Keyfunc over the cache, for golang-jwt's parser
// in code that does not use provider.Verifier (which checks much more):
//
//	token, err := jwt.Parse(s, c.Keyfunc(), jwt.WithValidMethods([]string{"RS256"}))
//
// It is keyfunc's (github.com/MicahParks/keyfunc) over the cache: the
// token's kid is looked up with Key — lock-free on a hit, with the
// refresh policy and the unknown-kid guard on a miss — and a key whose
// alg is not the token's is refused. A token without a kid is refused
// unless the set holds exactly one key.
func (c *Cache) Keyfunc() jwt.Keyfunc {
	kf, err := keyfunc.New(keyfunc.Options{Storage: storage{c}})
	if err != nil { // only for a nil storage
		panic("cache: keyfunc: " + err.Error())
	}
	return func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["kid"]; !ok {
			// keyfunc would try every key; the rule is: only a sole key.
			k, err := c.Key(context.Background(), "")
			if err != nil {
				return nil, err
			}
			return k.Public(), nil
		}
		return kf.Keyfunc(t)
	}
}

// storage is the cache as keyfunc's read-only jwkset.Storage.
type storage struct{ c *Cache }

func (s storage) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	k, err := s.c.Key(ctx, kid)
	if err != nil {
		return jwkset.JWK{}, err
	}
	return k.k.jwk, nil
}

func (s storage) KeyReadAll(context.Context) ([]jwkset.JWK, error) {
	keys := s.c.Keys()
	out := make([]jwkset.JWK, len(keys))
	for i, k := range keys {
		out[i] = k.k.jwk
	}
	return out, nil
}

func (storage) KeyDelete(context.Context, string) (bool, error)   { return false, errReadOnly }
func (storage) KeyReplaceAll(context.Context, []jwkset.JWK) error { return errReadOnly }
func (storage) KeyWrite(context.Context, jwkset.JWK) error        { return errReadOnly }

func (s storage) JSON(ctx context.Context) (json.RawMessage, error) { return s.JSONPublic(ctx) }

func (s storage) JSONPublic(ctx context.Context) (json.RawMessage, error) {
	return s.JSONWithOptions(ctx, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
}

// JSONPrivate is JSONPublic: the cache never holds private key material.
func (s storage) JSONPrivate(ctx context.Context) (json.RawMessage, error) { return s.JSONPublic(ctx) }

func (s storage) JSONWithOptions(ctx context.Context, m jwkset.JWKMarshalOptions, v jwkset.JWKValidateOptions) (json.RawMessage, error) {
	set, err := s.MarshalWithOptions(ctx, m, v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

func (s storage) Marshal(ctx context.Context) (jwkset.JWKSMarshal, error) {
	return s.MarshalWithOptions(ctx, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
}

func (s storage) MarshalWithOptions(context.Context, jwkset.JWKMarshalOptions, jwkset.JWKValidateOptions) (jwkset.JWKSMarshal, error) {
	keys := s.c.Keys()
	set := jwkset.JWKSMarshal{Keys: make([]jwkset.JWKMarshal, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.k.jwk.Marshal())
	}
	return set, nil
}
