// Package readme_test keeps README.md honest: every Go program in it is a
// file of this module, compiled and vetted in CI, shown verbatim.
package readme_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// program is a README marker, <!-- file: path -->, and the ```go block
// after it.
var program = regexp.MustCompile("(?s)<!-- file: ([^ ]+) -->\\s*```go\\n(.*?)```")

func TestREADMEPrograms(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	found := program.FindAllSubmatch(readme, -1)
	if len(found) < 3 {
		t.Fatalf("%d marked programs in README.md, want one per provider (Cognito, Auth0, OIDC)", len(found))
	}
	if n := strings.Count(string(readme), "```go"); n != len(found) {
		t.Errorf("README.md has %d Go blocks, %d of them marked: every Go block must be a file of the module", n, len(found))
	}
	for _, m := range found {
		path, block := string(m[1]), string(m[2])
		src, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			t.Errorf("README.md shows %s: %v", path, err)
			continue
		}
		// The README starts at "package main"; the doc comment above it
		// is the file's own.
		i := strings.Index(string(src), "package main\n")
		if i < 0 {
			t.Errorf("%s is not a main package", path)
			continue
		}
		if want := string(src[i:]); block != want {
			t.Errorf("README.md's copy of %s differs from the file: copy the file again", path)
		}
	}
}
