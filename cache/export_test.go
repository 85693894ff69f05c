package cache

// The unexported errors, for the tests of package cache_test.
var ErrBadDocument = errBadDocument

type StatusError = statusError
