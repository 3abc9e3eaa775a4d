package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

// TestRetractRestoresPrevious: after the latest snapshot is retracted the
// one before it is the latest again with exactly its entities, the next
// publication is compared with it, and the retracted row stays for audit.
func TestRetractRestoresPrevious(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	first := save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT", "3=CHARLIE/CUBA"))
	wrong := save(t, s, "2205-09-08", ents("1=ALPHA/CYBER2", "2=BRAVO RENAMED/SDGT", "4=DELTA/CYBER4"))

	// Frozen: a real later publication is "older" than the wrong one.
	if _, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "t", PublishedAt: "2024-02-01", RawSHA256: "x",
		Entities: ents("1=ALPHA/CYBER2", "5=ECHO/CYBER2")}); err == nil || !strings.Contains(err.Error(), "older than the latest") {
		t.Fatalf("save after a future-dated snapshot: %v, want refused as older", err)
	}

	dry, err := s.Retract(ctx, wrong.Snapshot.ID, "dated 2205", true)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Restored == nil || dry.Restored.ID != first.Snapshot.ID || dry.Added != 2 || dry.Closed != 2 {
		t.Fatalf("dry run = %+v, want restored #%d, 2 added, 2 closed", dry, first.Snapshot.ID)
	}
	if l, _ := s.Latest(ctx, "ofac-sdn"); l.ID != wrong.Snapshot.ID {
		t.Fatalf("dry run changed the latest to #%d", l.ID)
	}

	if _, err := s.Retract(ctx, wrong.Snapshot.ID, "dated 2205", false); err != nil {
		t.Fatal(err)
	}
	latest, err := s.Latest(ctx, "ofac-sdn")
	if err != nil || latest.ID != first.Snapshot.ID {
		t.Fatalf("latest after retract = %v, %v; want #%d", latest, err, first.Snapshot.ID)
	}
	got, err := s.Entities(ctx, latest)
	if err != nil {
		t.Fatal(err)
	}
	if g := strings.Join(ids(got), ","); g != "1=ALPHA,2=BRAVO,3=CHARLIE" {
		t.Fatalf("entities of the restored latest = %s, want 1=ALPHA,2=BRAVO,3=CHARLIE", g)
	}
	ret, err := s.Snapshot(ctx, wrong.Snapshot.ID)
	if err != nil || ret.Status != tracker.SnapshotRetracted || !strings.Contains(ret.Note, "dated 2205") {
		t.Fatalf("retracted snapshot = %+v, %v", ret, err)
	}
	if _, err := s.Entities(ctx, ret); !errors.Is(err, ErrRetracted) {
		t.Fatalf("entities of a retracted snapshot: %v, want ErrRetracted", err)
	}

	next, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "t", PublishedAt: "2024-02-01", RawSHA256: "y",
		Entities: ents("1=ALPHA/CYBER2", "5=ECHO/CYBER2")})
	if err != nil {
		t.Fatal(err)
	}
	if next.Previous == nil || next.Previous.ID != first.Snapshot.ID {
		t.Fatalf("next publication compared with %v, want #%d", next.Previous, first.Snapshot.ID)
	}
	var kinds []string
	for _, c := range next.Changes {
		kinds = append(kinds, string(c.Kind)+" "+c.ID)
	}
	if !sameSet(kinds, []string{"removed 2", "removed 3", "added 5"}) {
		t.Fatalf("changes after retract = %s, want 2 and 3 removed, 5 added", strings.Join(kinds, ","))
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		if m[x] == 0 {
			return false
		}
		m[x]--
	}
	return true
}

func TestRetractRefusals(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a := save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2"))
	save(t, s, "2024-02-01", ents("1=ALPHA/CYBER2", "2=BRAVO/SDGT"))
	for name, tt := range map[string]struct {
		id     int64
		reason string
		want   string
	}{
		"not the latest": {a.Snapshot.ID, "oops", "not the latest"},
		"no reason":      {a.Snapshot.ID + 1, " ", "reason is required"},
		"no such":        {99, "oops", "not found"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Retract(ctx, tt.id, tt.reason, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("retract #%d: %v, want %q", tt.id, err, tt.want)
			}
		})
	}
}

// TestMigrateDatesToISO opens a database written before publication dates
// were parsed, holding dates as their lists wrote them.
func TestMigrateDatesToISO(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := tracker.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:4] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	rows := []struct{ list, stored, want, note string }{
		{"uk-sanctions-list", "05-Jun-2023", "2023-06-05", ""},
		{"uk-sanctions-list", "8-oct-2026", "2026-10-08", ""},
		{"uk-ofsi-conlist", "05/06/2023", "2023-06-05", ""},
		{"ofac-sdn", "06/05/2023", "2023-06-05", ""},
		{"eu-fsf", "2020-07-30T18:05:11.402+02:00", "2020-07-30", ""},
		{"eu-fsf", "2020-07-29", "2020-07-29", ""},
		{"uk-sanctions-list", "soon", "", "soon"},
		{"uk-sanctions-list", "2023-02-30", "", "2023-02-30"},
		{"ofac-sdn", "", "", ""},
	}
	for i, r := range rows {
		if _, err := db.Exec(`INSERT INTO snapshots (list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count)
			VALUES (?, '2026-01-01T00:00:00Z', ?, 'test', ?, 'c', 0)`, r.list, r.stored, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 4`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Snapshots(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byRaw := map[string]tracker.Snapshot{}
	for _, sn := range got {
		byRaw[sn.RawSHA256] = sn
	}
	for i, r := range rows {
		sn := byRaw[fmt.Sprint(i)]
		if sn.PublishedAt != r.want || (r.note != "" && !strings.Contains(sn.Note, r.note)) {
			t.Errorf("%s %q → published %q note %q; want %q (note with %q)", r.list, r.stored, sn.PublishedAt, sn.Note, r.want, r.note)
		}
	}
}
