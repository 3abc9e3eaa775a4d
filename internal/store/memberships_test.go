package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

// TestOpenMemberships holds the packed read of the latest memberships to
// a plain row-by-row query, with ids that hold what a separator would
// trip on: line breaks, NUL, non-ASCII, and the lengths of hashes.
func TestOpenMemberships(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ids := []string{"1", "2\n3", "nul\x00inside", "ÄÖÜ-ロシア", strings.Repeat("x", 300), "0000002a", "last"}
	var es []*tracker.Entity
	for i, id := range ids {
		es = append(es, &tracker.Entity{ID: id, Name: fmt.Sprintf("NAME %d", i)})
	}
	save(t, s, "2024-01-01", es)
	// A second snapshot closes one membership and opens another, and a
	// second list must not show up.
	save(t, s, "2024-02-01", append(es[1:len(es):len(es)], &tracker.Entity{ID: "new", Name: "NEW"}))
	if _, err := s.SaveSnapshot(ctx, NewSnapshot{List: "other", Entities: ents("9=OTHER/X")}); err != nil {
		t.Fatal(err)
	}

	want := map[string][sha256.Size]byte{}
	rows, err := s.r.QueryContext(ctx, `SELECT m.entity_id, v.hash FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = 'ofac-sdn' AND m.to_snapshot IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var hash []byte
		if err := rows.Scan(&id, &hash); err != nil {
			t.Fatal(err)
		}
		want[id] = [sha256.Size]byte(hash)
	}
	rows.Close()
	if len(want) != len(ids) {
		t.Fatalf("plain query found %d memberships, want %d", len(want), len(ids))
	}

	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	open, err := openMemberships(ctx, tx, "ofac-sdn", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][sha256.Size]byte{}
	for i, m := range open {
		got[m.id] = m.hash
		if i > 0 && open[i-1].id >= m.id {
			t.Errorf("not sorted by id: %q before %q", open[i-1].id, m.id)
		}
	}
	if len(got) != len(open) || !maps.Equal(got, want) {
		t.Errorf("openMemberships = %q\nwant %q", open, want)
	}
	if got, err := openMemberships(ctx, tx, "no-such-list", 0); err != nil || len(got) != 0 {
		t.Errorf("openMemberships of an unknown list = %v, %v; want none", got, err)
	}
}
