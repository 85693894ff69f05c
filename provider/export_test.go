package provider

// TokenCacheLen returns the entries and bytes held by v's cache of
// verified tokens, and the entries of its cache of forged ones.
func TokenCacheLen(v *Verifier) (verified int, bytes int64, forged int) {
	if v.tokens == nil {
		return 0, 0, 0
	}
	return v.tokens.verified.Len(), v.tokens.verified.Bytes(), v.tokens.forged.Len()
}
