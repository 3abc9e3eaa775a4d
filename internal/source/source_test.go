package source

import (
	"fmt"
	"testing"

	"github.com/cybersanctions/tracker"
)

// TestFinishIDs: Finish refuses a missing or repeated id whether or not
// the ids rise (idsRising's shortcut past the map), and names the first.
func TestFinishIDs(t *testing.T) {
	for name, tc := range map[string]struct {
		ids  []string
		want string // the error, or "" for none
	}{
		"rising":                  {[]string{"7", "36", "173", "1000"}, ""},
		"not rising, unique":      {[]string{"EU.1", "EU.10", "EU.2", "UK1"}, ""},
		"same length, not rising": {[]string{"20", "10"}, ""},
		"repeated, rising before": {[]string{"1", "2", "3", "2"}, "parse f.csv: duplicate id 2"},
		"repeated next to it":     {[]string{"1", "2", "2", "3"}, "parse f.csv: duplicate id 2"},
		"leading zero":            {[]string{"7", "07", "7"}, "parse f.csv: duplicate id 7"},
		"missing while rising":    {[]string{"1", "2", " ", "3"}, `parse f.csv: entry "N2" has no id`},
		"missing after a repeat":  {[]string{"1", "1", ""}, "parse f.csv: duplicate id 1"},
		"one":                     {[]string{"1"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			pub := &Publication{}
			for i, id := range tc.ids {
				pub.Entities = append(pub.Entities, &tracker.Entity{ID: id, Name: fmt.Sprintf("N%d", i)})
			}
			got, err := Finish("f.csv", pub)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.want == "" && got != pub:
				t.Fatal("not the publication given")
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("error %v, want %s", err, tc.want)
			}
		})
	}
}
