package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/store"
)

// TestListTextCannotDriveTheTerminal: a name holding terminal escape
// sequences (stored by an older tracker, since parsers now refuse them)
// is printed escaped by diff and history, and JSON output stays valid.
func TestListTextCannotDriveTheTerminal(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	st, err := store.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	evil := "\x1b[31mRED\x1b]0;pwned\x07 \u009b2J \u202eLIVE"
	for i, names := range [][]string{{"ACME"}, {"ACME", evil}} {
		var es []*tracker.Entity
		for j, n := range names {
			e := &tracker.Entity{ID: []string{"1", "2"}[j], Name: n, Kind: tracker.KindEntity, Programs: []string{"CYBER2"}}
			e.Canonicalize()
			es = append(es, e)
		}
		if _, err := st.SaveSnapshot(ctx, store.NewSnapshot{List: "ofac-sdn", Source: filepath.Join("t", "x"), PublishedAt: []string{"2024-01-01", "2024-01-02"}[i],
			RawSHA256: names[len(names)-1], Entities: es}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	for _, args := range [][]string{{"diff", "--list", "ofac-sdn"}, {"history", "--list", "ofac-sdn", "2"}} {
		code, out, errOut := c.run(args...)
		if code > 1 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if strings.ContainsAny(out, "\x1b\x07\u009b\u202e") {
			t.Errorf("%v printed terminal control characters: %q", args, out)
		}
		if !strings.Contains(out, `\u001b[31mRED`) || !strings.Contains(out, `\u202eLIVE`) {
			t.Errorf("%v does not show the escapes visibly:\n%s", args, out)
		}
	}
	var d diffJSON
	if err := json.Unmarshal([]byte(c.mustRun(1, "diff", "--list", "ofac-sdn", "--format", "json")), &d); err != nil {
		t.Fatalf("JSON output is not JSON: %v", err)
	}
	if len(d.Changes) != 1 || d.Changes[0].Name != evil {
		t.Errorf("JSON lost the name: %+v", d.Changes)
	}
}
