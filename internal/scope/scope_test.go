package scope

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"read": true, "read:orders": true, "https://api/x": true, "!#$%&'()*+,-./:;<=>?@[]^_`{|}~": true,
		"": false, "a b": false, "a\tb": false, `a"b`: false, `a\b`: false, "é": false, "a\x7f": false, "a\u00a0b": false,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v, want %v", s, !want, want)
		}
	}
}
