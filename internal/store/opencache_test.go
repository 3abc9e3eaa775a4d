package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"slices"
	"testing"

	"github.com/cybersanctions/tracker"
)

// TestOpenCache holds the cached open memberships to what the database
// says. Between two saves of the same list, entity 2's open membership is
// pointed at another version ("BRAVO X") behind the Store's back. When
// that write can have been made only through the Store's own writer
// connection outside a transaction of its own, the cache cannot see it
// and the next save compares with the cache (2 unchanged): this is how the
// test knows the cache is used. Every other way a write can come between
// two saves must make the next save read the database (2 amended from
// BRAVO X).
func TestOpenCache(t *testing.T) {
	ctx := context.Background()
	v1 := ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA")
	v2 := ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA", "4=DELTA/CYBER2")
	cases := []struct {
		name string
		// meddle points entity 2's open membership at BRAVO X, through
		// db, and may write more.
		meddle    func(t *testing.T, s *Store, db *sql.DB)
		useWriter bool // meddle through s's own writer connection
		want      []string
	}{
		{
			name:      "only the Store's connection, no transaction of its own: the cache is used",
			useWriter: true,
			want:      []string{"added 4"},
		},
		{
			name: "another connection (another process)",
			want: []string{"added 4", "amended 2"},
		},
		{
			name: "the Store's own write transaction in between",
			meddle: func(t *testing.T, s *Store, _ *sql.DB) {
				if err := s.writeTx(ctx, func(*sql.Tx) error { return nil }); err != nil {
					t.Fatal(err)
				}
			},
			useWriter: true,
			want:      []string{"added 4", "amended 2"},
		},
		{
			name: "a new writer connection",
			meddle: func(t *testing.T, s *Store, _ *sql.DB) {
				writerConns.Add(1)
			},
			useWriter: true,
			want:      []string{"added 4", "amended 2"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			save(t, s, "2024-01-01", v1)
			db := s.w
			if !tc.useWriter {
				other, err := sql.Open("sqlite3", "file:"+s.Path())
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				db = other
			}
			pointAtOtherVersion(t, db, "2", "BRAVO X")
			if tc.meddle != nil {
				tc.meddle(t, s, db)
			}
			res := save(t, s, "2024-02-01", v2)
			if got := changeKinds(res.Changes); !slices.Equal(got, tc.want) {
				t.Errorf("changes %v, want %v", got, tc.want)
			}
			if tc.meddle != nil || !tc.useWriter { // else the cache cannot know
				checkCacheIsDatabase(t, s)
			}
		})
	}
}

// TestOpenCacheSequence stores a list's history in one Store, which
// leaves its open memberships in the cache after each save, and checks
// after each that they are the database's, whatever the save did: added,
// amended, removed, nothing stored, quarantined, retracted.
func TestOpenCacheSequence(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	steps := []struct {
		date string
		es   []*tracker.Entity
	}{
		{"2024-01-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA")},
		{"2024-01-02", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA")}, // nothing stored
		{"2024-01-03", ents("1=ALPHA/CYBER2", "2=BRAVO 2/SDGT", "4=DELTA/CYBER2")},
		{"2024-01-04", ents("2=BRAVO 2/SDGT", "4=DELTA/CYBER2", "5=ECHO/CYBER2", "6=FOXTROT/CYBER2")},
	}
	for _, st := range steps {
		save(t, s, st.date, st.es)
		checkCacheIsDatabase(t, s)
	}
	// A publication that removes more than the guard allows is
	// quarantined: its memberships are rolled back, and so must the cache.
	res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: "2024-01-05", RawSHA256: "q",
		Entities: ents("9=ZULU/CYBER2"), Guards: Guards{MaxRemovedShare: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Quarantined() {
		t.Fatalf("status %s, want quarantined", res.Snapshot.Status)
	}
	checkCacheIsDatabase(t, s)
	// A retraction reopens the memberships of the snapshot before.
	if _, err := s.Retract(ctx, res.Previous.ID, "test", false); err != nil {
		t.Fatal(err)
	}
	r := save(t, s, "2024-01-06", ents("2=BRAVO 2/SDGT", "4=DELTA/CYBER2", "5=ECHO/CYBER2", "7=GOLF/CYBER2"))
	if got, want := changeKinds(r.Changes), []string{"added 5", "added 7", "removed 1"}; !slices.Equal(got, want) {
		t.Errorf("after the retraction: changes %v, want %v (against 2024-01-03)", got, want)
	}
	checkCacheIsDatabase(t, s)
}

// pointAtOtherVersion stores a version of entity id named name and makes
// it the entity's open membership, through db.
func pointAtOtherVersion(t *testing.T, db *sql.DB, id, name string) {
	t.Helper()
	e := &tracker.Entity{ID: id, Name: name, Kind: tracker.KindEntity, Programs: []string{"SDGT"}}
	body := e.AppendEncode(nil)
	hash := sha256.Sum256(body)
	ctx := context.Background()
	r, err := db.ExecContext(ctx, `INSERT INTO entity_versions (hash, body) VALUES (?, ?)`, hash[:], body)
	if err != nil {
		t.Fatal(err)
	}
	version, err := r.LastInsertId()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE memberships SET version_id = ? WHERE list = 'ofac-sdn' AND entity_id = ? AND to_snapshot IS NULL`, version, id); err != nil {
		t.Fatal(err)
	}
}

// checkCacheIsDatabase checks that what the Store cached, if anything, is
// the open memberships of the list's latest snapshot as stored.
func checkCacheIsDatabase(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	s.open.mu.Lock()
	set := s.open.last
	s.open.mu.Unlock()
	if set == nil {
		return
	}
	latest, err := s.Latest(ctx, set.list)
	if err != nil {
		t.Fatal(err)
	}
	if set.snapshot != latest.ID {
		t.Fatalf("cache of snapshot %d, latest is %d", set.snapshot, latest.ID)
	}
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	want, err := openMemberships(ctx, tx, set.list, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.open, want) {
		t.Errorf("cached %d open memberships differ from the database's %d", len(set.open), len(want))
	}
}

func changeKinds(cs []tracker.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Kind)+" "+c.ID)
	}
	slices.Sort(out)
	return out
}
