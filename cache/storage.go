package cache

import (
	"context"
	"encoding/json"

	"github.com/MicahParks/jwkset"
)

// Storage returns the cache as a read-only jwkset.Storage, for
// keyfunc.New(keyfunc.Options{Storage: c.Storage()}). KeyRead is Key:
// lock-free on a hit, with the cache's refresh policy and unknown-kid guard
// on a miss.
func (c *Cache) Storage() jwkset.Storage { return storage{c} }

type storage struct{ c *Cache }

func (s storage) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	k, err := s.c.Key(ctx, kid)
	if err != nil {
		return jwkset.JWK{}, err
	}
	return k.k.jwk, nil
}

func (s storage) KeyReadAll(context.Context) ([]jwkset.JWK, error) { return s.c.Keys(), nil }

func (storage) KeyDelete(context.Context, string) (bool, error)   { return false, ErrReadOnly }
func (storage) KeyReplaceAll(context.Context, []jwkset.JWK) error { return ErrReadOnly }
func (storage) KeyWrite(context.Context, jwkset.JWK) error        { return ErrReadOnly }

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
		set.Keys = append(set.Keys, k.Marshal())
	}
	return set, nil
}
