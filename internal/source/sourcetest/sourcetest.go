// Package sourcetest holds the checks every publisher's parser tests share.
package sourcetest

import (
	"errors"
	"testing"

	"github.com/cybersanctions/tracker/internal/source"
)

// CheckParse holds a parse's outcome to what every parser promises, for
// fuzz targets: either a *source.ParseError (naming file, when file is not
// "") and no publication, or a publication of at least one entity, each
// with an id and a name, no id twice. It reports whether the parse
// succeeded.
func CheckParse(t *testing.T, pub *source.Publication, err error, file string) bool {
	t.Helper()
	if err != nil {
		var pe *source.ParseError
		if !errors.As(err, &pe) || pub != nil {
			t.Fatalf("got %v, %v (%T); want nil and a *source.ParseError", pub, err, err)
		}
		if file != "" && pe.File != file {
			t.Fatalf("error %v names file %q, want %q", err, pe.File, file)
		}
		return false
	}
	if len(pub.Entities) == 0 {
		t.Fatal("a publication without entities")
	}
	seen := make(map[string]bool, len(pub.Entities))
	for _, e := range pub.Entities {
		if e.ID == "" || e.Name == "" || seen[e.ID] {
			t.Fatalf("bad entity id %q name %q (ids seen: %d)", e.ID, e.Name, len(seen))
		}
		seen[e.ID] = true
	}
	return true
}
