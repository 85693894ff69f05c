package server

import (
	"flag"
	"fmt"
	"strings"
)

// Env returns the value of the first of keys that getenv finds not empty,
// or def if there is none: the default of a flag that the environment can
// set.
func Env(getenv func(string) string, def string, keys ...string) string {
	for _, k := range keys {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return def
}

// SplitList splits a comma-separated list, trimming spaces and dropping
// empty items; it returns nil if none is left.
func SplitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// ParseFlags parses args with fs and refuses arguments left after the
// flags: the examples take none.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}
