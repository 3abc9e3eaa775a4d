package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cybersanctions/tracker"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ents builds canonical entities from "id=name/program" specs.
func ents(specs ...string) []*tracker.Entity {
	var out []*tracker.Entity
	for _, sp := range specs {
		p := strings.FieldsFunc(sp, func(r rune) bool { return r == '=' || r == '/' })
		e := &tracker.Entity{ID: p[0], Name: p[1], Kind: tracker.KindEntity, Programs: []string{p[2]}}
		e.Canonicalize()
		out = append(out, e)
	}
	return out
}

func ids(es []*tracker.Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID+"="+e.Name)
	}
	sort.Strings(out)
	return out
}

func save(t *testing.T, s *Store, published string, es []*tracker.Entity) *SaveResult {
	t.Helper()
	res, err := s.SaveSnapshot(context.Background(), NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: published, RawSHA256: published, Entities: es})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSnapshotLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)

	v1 := ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA")
	r1 := save(t, s, "2024-01-01", v1)
	if !r1.Created || r1.Previous != nil || len(r1.Changes) != 0 {
		t.Fatalf("first snapshot: created=%v previous=%v changes=%d; want a silent baseline", r1.Created, r1.Previous, len(r1.Changes))
	}

	// Same content again (different raw bytes): no new snapshot.
	again := save(t, s, "2024-01-02", ents("3=CHARLIE/CUBA", "1=ALPHA/CYBER2", "2=BRAVO/SDGT"))
	if again.Created || again.Snapshot.ID != r1.Snapshot.ID {
		t.Fatalf("identical content stored again: %+v", again)
	}

	// 2 amended, 3 removed, 4 added.
	v2 := ents("1=ALPHA/CYBER2", "2=BRAVO RENAMED/SDGT", "4=DELTA/CYBER4")
	r2 := save(t, s, "2024-02-01", v2)
	if !r2.Created || r2.Previous == nil || r2.Previous.ID != r1.Snapshot.ID {
		t.Fatalf("second snapshot: %+v", r2)
	}
	var got []string
	for _, c := range r2.Changes {
		got = append(got, string(c.Kind)+" "+c.ID)
	}
	if want := []string{"amended 2", "removed 3", "added 4"}; !slices.Equal(got, want) {
		t.Errorf("changes = %q, want %q", got, want)
	}
	stored, err := s.Changes(ctx, r2.Snapshot.ID)
	if err != nil || len(stored) != 3 {
		t.Fatalf("stored changes = %d, %v", len(stored), err)
	}

	// 3 comes back, unchanged from its old version: shares the stored version.
	v3 := ents("1=ALPHA/CYBER2", "2=BRAVO RENAMED/SDGT", "3=CHARLIE/CUBA", "4=DELTA/CYBER4")
	r3 := save(t, s, "2024-03-01", v3)

	// Every snapshot reads back exactly as it was saved.
	for _, tc := range []struct {
		snap tracker.Snapshot
		want []*tracker.Entity
	}{{r1.Snapshot, v1}, {r2.Snapshot, v2}, {r3.Snapshot, v3}} {
		es, err := s.Entities(ctx, &tc.snap)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(es), ids(tc.want)) {
			t.Errorf("snapshot %d entities = %q, want %q", tc.snap.ID, ids(es), ids(tc.want))
		}
	}
	var versions int
	if err := s.r.QueryRow(`SELECT count(*) FROM entity_versions`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 5 { // ALPHA, BRAVO, CHARLIE, BRAVO RENAMED, DELTA
		t.Errorf("entity versions = %d, want 5 (content-addressed)", versions)
	}

	// Lookups by date.
	at, err := s.At(ctx, "ofac-sdn", "2024-02-15")
	if err != nil || at.ID != r2.Snapshot.ID {
		t.Errorf("At 2024-02-15 = %+v, %v; want snapshot %d", at, err, r2.Snapshot.ID)
	}
	if _, err := s.At(ctx, "ofac-sdn", "2023-12-31"); !errors.Is(err, ErrNotFound) {
		t.Errorf("At before the first snapshot: err = %v, want ErrNotFound", err)
	}
	prev, err := s.Before(ctx, &r3.Snapshot)
	if err != nil || prev.ID != r2.Snapshot.ID {
		t.Errorf("Before = %+v, %v", prev, err)
	}

	h, err := s.EntityHistory(ctx, "ofac-sdn", "3")
	if err != nil || len(h) != 2 || h[0].Change.Kind != tracker.Removed || h[1].Change.Kind != tracker.Added {
		t.Errorf("history of 3 = %+v, %v", h, err)
	}
}

func TestReopenKeepsSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSnapshot(ctx, NewSnapshot{List: "x", FetchedAt: time.Unix(0, 0), Entities: ents("1=A/B")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snaps, err := s.Snapshots(ctx, "")
	if err != nil || len(snaps) != 1 || !snaps[0].FetchedAt.Equal(time.Unix(0, 0)) {
		t.Fatalf("after reopen: %+v, %v", snaps, err)
	}
}

// TestPageSize: a new database gets newPageSize pages and WAL mode; a
// database made with SQLite's default 4 KiB pages (every database before
// newPageSize) keeps them, and stores and reads as ever.
func TestPageSize(t *testing.T) {
	ctx := context.Background()
	pageSize := func(t *testing.T, s *Store) (int, string) {
		t.Helper()
		var size int
		var mode string
		if err := s.r.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
			t.Fatal(err)
		}
		if err := s.r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return size, mode
	}

	s := openTest(t)
	save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2"))
	if size, mode := pageSize(t, s); size != newPageSize || mode != "wal" {
		t.Errorf("new database: page size %d, journal mode %s; want %d, wal", size, mode, newPageSize)
	}

	// A database of 4 KiB pages, as SQLite makes them by default.
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `PRAGMA page_size = 4096; PRAGMA journal_mode = WAL`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	save(t, s2, "2024-01-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT"))
	res := save(t, s2, "2024-01-02", ents("1=ALPHA/CYBER2"))
	if got := changeKinds(res.Changes); !slices.Equal(got, []string{"removed 2"}) {
		t.Errorf("changes %v, want [removed 2]", got)
	}
	if size, mode := pageSize(t, s2); size != 4096 || mode != "wal" {
		t.Errorf("existing database: page size %d, journal mode %s; want 4096, wal", size, mode)
	}
}
