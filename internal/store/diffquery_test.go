package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
)

// TestDiffMatchesCompare holds Store.Diff, which reads only the entities
// whose version differs, to diff.Compare of the two snapshots' whole
// entity sets, for every pair of snapshots of a history with additions,
// removals, amendments, an entity coming back with its old content and
// one coming back changed, in both directions and across lists.
func TestDiffMatchesCompare(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	history := [][]string{
		{"1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA", "5=ECHO/IRAN"},
		{"1=ALPHA/CYBER2", "2=BRAVO RENAMED/SDGT", "4=DELTA/CYBER4", "5=ECHO/IRAN"},                   // amended, removed, added
		{"1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA", "4=DELTA/CYBER4", "5=ECHO/IRAN"},         // 2 reverts, 3 back as it was
		{"1=ALPHA/CYBER3", "2=BRAVO/SDGT", "3=CHARLIE II/CUBA", "4=DELTA/CYBER4"},                     // regime change, 3 back changed, 5 gone
		{"1=ALPHA/CYBER3", "2=BRAVO/SDGT", "3=CHARLIE II/CUBA", "4=DELTA/CYBER4", "6=FOXTROT/CYBER2"}, // only an addition
	}
	var snaps []*tracker.Snapshot
	for i, specs := range history {
		res := save(t, s, fmt.Sprintf("2024-0%d-01", i+1), ents(specs...))
		snaps = append(snaps, &res.Snapshot)
	}
	// Another list holding some of the same content shares versions with
	// the first and must not leak into its diffs.
	other, err := s.SaveSnapshot(ctx, NewSnapshot{List: "other", Entities: ents("1=ALPHA/CYBER2", "7=GOLF/SDGT")})
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][2]*tracker.Snapshot{{snaps[0], &other.Snapshot}, {&other.Snapshot, snaps[4]}}
	for _, a := range snaps {
		for _, b := range snaps {
			pairs = append(pairs, [2]*tracker.Snapshot{a, b})
		}
	}
	for _, p := range pairs {
		older, newer := p[0], p[1]
		oldEnts, err := s.Entities(ctx, older)
		if err != nil {
			t.Fatal(err)
		}
		newEnts, err := s.Entities(ctx, newer)
		if err != nil {
			t.Fatal(err)
		}
		want := diff.Compare(newer.List, oldEnts, newEnts)
		got, err := s.Diff(ctx, older, newer)
		if err != nil {
			t.Fatalf("Diff(%s, %s): %v", older.Label(), newer.Label(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Diff(%s, %s) =\n%+v\nwant (Compare of whole snapshots)\n%+v", older.Label(), newer.Label(), got, want)
		}
	}
}

func TestDiffQuarantined(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	base := save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA"))
	q, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", PublishedAt: "2024-02-01", Entities: ents("1=ALPHA/CYBER2"),
		Guards: Guards{MinEntities: 2}})
	if err != nil || !q.Quarantined() {
		t.Fatalf("want a quarantined snapshot: %+v, %v", q, err)
	}
	for _, p := range [][2]*tracker.Snapshot{{&base.Snapshot, &q.Snapshot}, {&q.Snapshot, &base.Snapshot}} {
		if _, err := s.Diff(ctx, p[0], p[1]); !errors.Is(err, ErrQuarantined) {
			t.Errorf("Diff(%s, %s): err = %v, want ErrQuarantined", p[0].Label(), p[1].Label(), err)
		}
	}
}
