package tracker_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestArchitecture holds the layers of docs/architecture.md to what the
// compiler sees: parsers do no I/O, the downloader knows no parser, the
// domain package and the diff know nothing of the rest.
func TestArchitecture(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/cybersanctions/tracker"
	for _, rule := range []struct {
		pkgs   string   // a go list pattern
		forbid []string // import paths; a trailing "/" forbids the subtree
		why    string
	}{
		{"./internal/source/...", []string{"net/http", "database/sql", mod + "/internal/fetch", mod + "/internal/store", mod + "/internal/lists"},
			"a parser reads bytes it is given: no network, no database, no registry"},
		{"./internal/fetch", []string{mod + "/internal/source/", mod + "/internal/lists", "database/sql"},
			"the downloader gets bytes for any list and knows no parser"},
		{".", []string{mod + "/internal/", mod + "/cmd/"},
			"the domain package is what every other package shares"},
		{"./internal/diff", []string{"net/http", "database/sql", mod + "/internal/store", mod + "/internal/fetch"},
			"diff is pure: two sets of entities in, changes out"},
		{"./internal/match", []string{"net/http", "database/sql", mod + "/internal/store", mod + "/internal/fetch"},
			"matching is pure: entities in, scores and reasons out"},
		{"./internal/redact", []string{mod + "/internal/"}, "the scrubber is a leaf every layer may use"},
		{"./internal/backoff", []string{mod + "/internal/"}, "the retry schedule is a leaf every layer may use"},
	} {
		out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, rule.pkgs).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", rule.pkgs, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 0 || lines[0] == "" {
			t.Fatalf("go list %s: no packages", rule.pkgs)
		}
		for _, line := range lines {
			pkg, deps, _ := strings.Cut(line, ":")
			for _, dep := range strings.Fields(deps) {
				for _, f := range rule.forbid {
					if dep == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) {
						t.Errorf("%s depends on %s: %s", pkg, dep, rule.why)
					}
				}
			}
		}
	}
}
