package redisreplay

// ErrBadRecord is what the Metrics and the Logger receive for a record
// the fleet did not write, for the tests.
var ErrBadRecord = errBadRecord
