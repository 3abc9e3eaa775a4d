package lists

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEListsTable: the README's table of lists names exactly the
// registry's lists, each with its cyber regimes (one of the names that
// mark them, at least), so the docs cannot drift
// from the table the code reads.
func TestREADMEListsTable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Lists\n")
	if !ok {
		t.Fatal("README.md has no ## Lists section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|(.*)$")
	var documented []string
	rows := map[string]string{}
	prev := ""
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
		rows[m[1]] = m[2]
		if strings.Contains(m[2], "as above") {
			rows[m[1]] = rows[prev]
		}
		prev = m[1]
	}
	slices.Sort(documented)
	if !slices.Equal(documented, Names()) {
		t.Fatalf("README lists %v, the registry %v", documented, Names())
	}
	for _, l := range All() {
		if !slices.ContainsFunc(l.CyberRegimes, func(r string) bool { return strings.Contains(rows[l.Name], r) }) {
			t.Errorf("README row of %s names none of its cyber regimes %q", l.Name, l.CyberRegimes)
		}
	}
}
