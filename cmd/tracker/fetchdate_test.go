package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
)

// TestUndatedListSaysFetched: OFAC's sdn.csv states no date. Its alert and
// `tracker snapshots` must say the time shown is the fetch time, never
// pass it off as a publication date; with --as-of the date is the list's.
func TestUndatedListSaysFetched(t *testing.T) {
	dir := shareddata.Dir(t)
	older := filepath.Join(dir, "ofac/sdn-csv/2021-10-29.sdn.csv")
	newer := filepath.Join(dir, "ofac/sdn-csv/2021-11-08.sdn.csv")
	fetched := regexp.MustCompile(`fetched \d{4}-\d\d-\d\d \d\d:\d\d UTC \(the list states no date\)`)
	tests := []struct {
		name      string
		asOf      []string // --as-of for the two imports, or none
		alert     *regexp.Regexp
		published string // in the snapshots PUBLISHED column
	}{
		{"no date", nil, fetched, "- (list states no date)"},
		{"date given", []string{"2021-10-29", "2021-11-08"}, regexp.MustCompile(`published 2021-11-08`), "2021-11-08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			for i, f := range []string{older, newer} {
				args := []string{"import", "--list", "ofac-sdn"}
				if tt.asOf != nil {
					args = append(args, "--as-of", tt.asOf[i])
				}
				out := c.mustRun(0, append(args, f)...)
				if i == 1 {
					if !tt.alert.MatchString(out) {
						t.Errorf("alert lacks %q:\n%s", tt.alert, out)
					}
					if tt.asOf == nil && strings.Contains(out, "published") {
						t.Errorf("alert of an undated list says published:\n%s", out)
					}
				}
			}
			if out := c.mustRun(0, "snapshots"); !strings.Contains(out, tt.published) {
				t.Errorf("snapshots lacks %q:\n%s", tt.published, out)
			}
		})
	}
}
