package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

// population returns n entities "1".."n" under CYBER2.
func population(n int) []*tracker.Entity {
	specs := make([]string, n)
	for i := range specs {
		specs[i] = fmt.Sprintf("%d=Name %d/CYBER2", i+1, i+1)
	}
	return ents(specs...)
}

func saveGuarded(t *testing.T, s *Store, published string, es []*tracker.Entity, g Guards) *SaveResult {
	t.Helper()
	res, err := s.SaveSnapshot(context.Background(), NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: published,
		RawSHA256: published, Entities: es, Guards: g, RawRetention: -1,
		RawFiles: []RawFile{mustCompress(t, published+".csv", []byte("raw "+published))}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustCompress(t *testing.T, name string, data []byte) RawFile {
	t.Helper()
	f, err := CompressRaw(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func count(t *testing.T, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGuardsCheck(t *testing.T) {
	prev := &tracker.Snapshot{ID: 1, List: "ofac-sdn", EntityCount: 100}
	removed := func(n int) []tracker.Change {
		cs := make([]tracker.Change, n)
		for i := range cs {
			cs[i].Kind = tracker.Removed
		}
		return append(cs, tracker.Change{Kind: tracker.Added}, tracker.Change{Kind: tracker.Amended})
	}
	tests := []struct {
		name   string
		g      Guards
		count  int
		prev   *tracker.Snapshot
		change []tracker.Change
		want   string // a substring of the reason; "" = passes
	}{
		{"no guards", Guards{}, 1, prev, removed(99), ""},
		{"baseline above minimum", Guards{MinEntities: 10}, 10, nil, nil, ""},
		{"baseline below minimum", Guards{MinEntities: 10}, 9, nil, nil, "9 entities, fewer than the 10 expected"},
		{"removed share at the limit", Guards{MaxRemovedShare: 0.05}, 95, prev, removed(5), ""},
		{"removed share above the limit", Guards{MaxRemovedShare: 0.05}, 94, prev, removed(6), "6 of the 100 entities"},
		{"90 percent gone", Guards{MinEntities: 5, MaxRemovedShare: 0.05}, 10, prev, removed(90), "(90.0%, above guards.max_removed_share 5.0%)"},
		{"share off", Guards{MaxRemovedShare: 0}, 10, prev, removed(90), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &SaveResult{Snapshot: tracker.Snapshot{EntityCount: tt.count}, Previous: tt.prev, Changes: tt.change}
			got := tt.g.Check(res)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestQuarantine: a publication that lost 90% of its entities is kept for
// review but changes nothing a reader or an alert sees; fetched again it is
// not stored again; the next sound publication is compared with the last
// active snapshot.
func TestQuarantine(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	g := Guards{MinEntities: 5, MaxRemovedShare: 0.05}
	base := saveGuarded(t, s, "2024-01-01", population(100), g)
	changesBefore := count(t, s, `SELECT count(*) FROM changes`)
	membershipsBefore := count(t, s, `SELECT count(*) FROM memberships`)

	var hooked *SaveResult
	res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: "2024-01-02", RawSHA256: "cut",
		Entities: population(10), Guards: g, RawRetention: 0,
		RawFiles:  []RawFile{mustCompress(t, "sdn.csv", []byte("cut file"))},
		AfterSave: func(ctx context.Context, tx *sql.Tx, r *SaveResult) error { hooked = r; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.Quarantined() || !strings.Contains(res.Snapshot.Note, "90 of the 100 entities") {
		t.Fatalf("result = %+v, want a new quarantined snapshot explaining the 90 removals", res.Snapshot)
	}
	if hooked == nil || !hooked.Quarantined() || len(hooked.Changes) != 90 {
		t.Errorf("AfterSave saw %+v, want the quarantined snapshot with its 90 would-be changes", hooked)
	}
	if latest, err := s.Latest(ctx, "ofac-sdn"); err != nil || latest.ID != base.Snapshot.ID {
		t.Errorf("Latest = %v, %v; want the baseline #%d", latest, err, base.Snapshot.ID)
	}
	if got := count(t, s, `SELECT count(*) FROM changes`); got != changesBefore {
		t.Errorf("changes rows = %d, want %d: a quarantined snapshot records no changes", got, changesBefore)
	}
	if got := count(t, s, `SELECT count(*) FROM memberships`); got != membershipsBefore {
		t.Errorf("memberships = %d, want %d: a quarantined snapshot must not touch the history", got, membershipsBefore)
	}
	q, err := s.Snapshot(ctx, res.Snapshot.ID)
	if err != nil || q.Status != tracker.SnapshotQuarantined || q.Note != res.Snapshot.Note {
		t.Errorf("stored snapshot = %+v, %v", q, err)
	}
	if _, err := s.Entities(ctx, q); !errors.Is(err, ErrQuarantined) {
		t.Errorf("Entities(quarantined) err = %v, want ErrQuarantined", err)
	}
	// Its raw files are kept even with retention 0: accepting re-reads them.
	if raw, err := s.RawFiles(ctx, q.ID); err != nil || len(raw) != 1 || raw[0].Pruned() {
		t.Errorf("raw files of the quarantined snapshot = %+v, %v", raw, err)
	}

	again := saveGuarded(t, s, "2024-01-02", population(10), g)
	if again.Created || again.Snapshot.ID != q.ID {
		t.Errorf("same broken content again: created=%v snapshot=#%d, want nothing stored and #%d", again.Created, again.Snapshot.ID, q.ID)
	}

	next := population(101)
	good := saveGuarded(t, s, "2024-01-03", next, g)
	if !good.Created || good.Quarantined() || good.Previous.ID != base.Snapshot.ID || len(good.Changes) != 1 {
		t.Errorf("next sound publication: %+v previous %v changes %d; want active, compared with #%d, one added",
			good.Snapshot, good.Previous, len(good.Changes), base.Snapshot.ID)
	}
}

func TestAccept(t *testing.T) {
	ctx := context.Background()
	g := Guards{MaxRemovedShare: 0.05}

	t.Run("newest quarantined", func(t *testing.T) {
		s := openTest(t)
		saveGuarded(t, s, "2024-01-01", population(100), g)
		q := saveGuarded(t, s, "2024-01-02", population(50), g)
		res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: "2024-01-02", RawSHA256: "2024-01-02",
			Entities: population(50), Guards: g, Accepts: q.Snapshot.ID, RawRetention: -1})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created || res.Quarantined() || len(res.Changes) != 50 {
			t.Fatalf("accept: %+v with %d changes, want an active snapshot with 50 removals", res.Snapshot, len(res.Changes))
		}
		if latest, _ := s.Latest(ctx, "ofac-sdn"); latest.ID != res.Snapshot.ID {
			t.Errorf("Latest = #%d, want the accepted #%d", latest.ID, res.Snapshot.ID)
		}
		if as, err := s.AcceptedAs(ctx, q.Snapshot.ID); err != nil || as != res.Snapshot.ID {
			t.Errorf("AcceptedAs = %d, %v; want %d", as, err, res.Snapshot.ID)
		}
		raw, err := s.RawFiles(ctx, res.Snapshot.ID)
		if err != nil || len(raw) != 1 || raw[0].Name != "2024-01-02.csv" {
			t.Fatalf("raw files of the accepting snapshot = %+v, %v; want the quarantined one's", raw, err)
		}
		if data, err := raw[0].Data(); err != nil || string(data) != "raw 2024-01-02" {
			t.Errorf("raw data = %q, %v", data, err)
		}
		_, err = s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Entities: population(50), Accepts: q.Snapshot.ID})
		if !errors.Is(err, ErrNotAcceptable) || !strings.Contains(err.Error(), "already accepted") {
			t.Errorf("second accept err = %v, want already accepted", err)
		}
	})

	t.Run("superseded", func(t *testing.T) {
		s := openTest(t)
		saveGuarded(t, s, "2024-01-01", population(100), g)
		q := saveGuarded(t, s, "2024-01-02", population(50), g)
		saveGuarded(t, s, "2024-01-03", population(100)[:98], g)
		before := count(t, s, `SELECT count(*) FROM snapshots`)
		_, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Entities: population(50), Accepts: q.Snapshot.ID})
		if !errors.Is(err, ErrNotAcceptable) || !strings.Contains(err.Error(), "superseded") {
			t.Errorf("err = %v, want superseded", err)
		}
		if got := count(t, s, `SELECT count(*) FROM snapshots`); got != before {
			t.Errorf("snapshots = %d, want %d: a refused accept stores nothing", got, before)
		}
	})

	t.Run("not quarantined", func(t *testing.T) {
		s := openTest(t)
		base := saveGuarded(t, s, "2024-01-01", population(100), g)
		_, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Entities: population(100), Accepts: base.Snapshot.ID})
		if !errors.Is(err, ErrNotAcceptable) {
			t.Errorf("err = %v, want ErrNotAcceptable", err)
		}
	})
}

func TestRawRetention(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var snaps []int64
	for day := 1; day <= 5; day++ {
		published := fmt.Sprintf("2024-01-%02d", day)
		res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: published, RawSHA256: published,
			Entities: population(10 + day), RawRetention: 2,
			RawFiles: []RawFile{mustCompress(t, "sdn.csv", []byte(published)), mustCompress(t, "add.csv", []byte("add "+published))}})
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, res.Snapshot.ID)
	}
	for i, id := range snaps {
		raw, err := s.RawFiles(ctx, id)
		if err != nil || len(raw) != 2 || raw[0].Name != "sdn.csv" || raw[1].Name != "add.csv" {
			t.Fatalf("snapshot %d raw = %+v, %v; want both files recorded, in order", id, raw, err)
		}
		kept := i >= len(snaps)-2
		if raw[0].Pruned() == kept || raw[1].Pruned() == kept {
			t.Errorf("snapshot %d (%d of %d): pruned = %v, want kept = %v", id, i+1, len(snaps), raw[0].Pruned(), kept)
		}
		if !kept {
			if _, err := raw[0].Data(); err == nil || !strings.Contains(err.Error(), "pruned") {
				t.Errorf("Data of a pruned file: err = %v", err)
			}
			continue
		}
		want := fmt.Sprintf("2024-01-%02d", i+1)
		if data, err := raw[0].Data(); err != nil || string(data) != want {
			t.Errorf("snapshot %d sdn.csv = %q, %v; want %q", id, data, err, want)
		}
	}
	if n, err := s.RawBytes(ctx); err != nil || n <= 0 {
		t.Errorf("RawBytes = %d, %v", n, err)
	}
}

func TestRawFileDamageDetected(t *testing.T) {
	good := mustCompress(t, "sdn.csv", []byte("Specially Designated Nationals\r\n"))
	other := mustCompress(t, "sdn.csv", []byte("Specially Designated Nationalz\r\n"))
	tests := []struct {
		name string
		f    RawFile
		want string
	}{
		{"intact", good, ""},
		{"other content under the same record", RawFile{Name: "sdn.csv", Size: good.Size, SHA256: good.SHA256, Codec: CodecZstd, Blob: other.Blob}, "damaged"},
		{"wrong size", RawFile{Name: "sdn.csv", Size: good.Size - 1, SHA256: good.SHA256, Codec: CodecZstd, Blob: good.Blob}, "damaged"},
		{"not zstd", RawFile{Name: "sdn.csv", Size: good.Size, SHA256: good.SHA256, Codec: CodecZstd, Blob: []byte("plain")}, "sdn.csv"},
		{"gzip from before migration 7", RawFile{Name: "sdn.csv", Size: good.Size, SHA256: good.SHA256, Codec: CodecGzip, Blob: gzipped(t, []byte("Specially Designated Nationals\r\n"))}, ""},
		{"damaged gzip", RawFile{Name: "sdn.csv", Size: good.Size, SHA256: good.SHA256, Codec: CodecGzip, Blob: gzipped(t, []byte("Specially Designated Nationalz\r\n"))}, "damaged"},
		{"a delta read on its own", RawFile{Name: "sdn.csv", Size: good.Size, SHA256: good.SHA256, Codec: CodecZstd, Base: &RawRef{1, 0}, Depth: 1, Blob: good.Blob}, "Store.RawFiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.Data()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Data err = %v, want %q", err, tt.want)
			}
		})
	}
}
