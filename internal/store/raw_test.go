package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sdnVersions reads the real dated sdn.csv files, oldest first.
func sdnVersions(t testing.TB) (names []string, data [][]byte) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(shareddata.Dir(t), "ofac", "sdn-csv", "*.sdn.csv"))
	if err != nil || len(paths) != 14 {
		t.Fatalf("want the 14 real sdn.csv versions, found %d (%v)", len(paths), err)
	}
	slices.Sort(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		names, data = append(names, filepath.Base(p)), append(data, b)
	}
	return names, data
}

// saveRaw stores a publication of list with the given files compressed as
// the import does: each against its base.
func saveRaw(t testing.TB, s *Store, list string, day int, keep int, files map[string][]byte, order ...string) *SaveResult {
	t.Helper()
	ctx := context.Background()
	var raw []RawFile
	for i, name := range order {
		base, err := s.RawBase(ctx, list, i, name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := CompressRawAgainst(name, files[name], base)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, f)
	}
	published := fmt.Sprintf("2024-%02d-%02d", 1+day/28, 1+day%28)
	res, err := s.SaveSnapshot(ctx, NewSnapshot{List: list, Source: "test", PublishedAt: published, RawSHA256: published,
		Entities: population(10 + day), RawRetention: keep, RawFiles: raw})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// daysBetween is the number of days from one dated file name to another.
func daysBetween(t testing.TB, from, to string) int {
	t.Helper()
	a, errA := time.Parse("2006-01-02", from[:10])
	b, errB := time.Parse("2006-01-02", to[:10])
	if errA != nil || errB != nil {
		t.Fatalf("undated names %q, %q", from, to)
	}
	return int(b.Sub(a).Hours() / 24)
}

type rawRowInfo struct {
	codec      string
	base       sql.NullInt64
	depth      int
	stem       string
	blobLength int
}

func rawInfo(t testing.TB, s *Store, snapshot int64, seq int) rawRowInfo {
	t.Helper()
	var r rawRowInfo
	if err := s.r.QueryRow(`SELECT codec, base_snapshot, depth, stem, coalesce(length(data), 0) FROM raw_files WHERE snapshot_id = ? AND seq = ?`, snapshot, seq).
		Scan(&r.codec, &r.base, &r.depth, &r.stem, &r.blobLength); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRawArchiveRealSDN stores the 14 real sdn.csv versions under their
// dated names, as an operator imports them, and reads each back.
func TestRawArchiveRealSDN(t *testing.T) {
	s := openTest(t)
	names, data := sdnVersions(t)
	var ids []int64
	for i := range names {
		res := saveRaw(t, s, "ofac-sdn", i, -1, map[string][]byte{names[i]: data[i]}, names[i])
		ids = append(ids, res.Snapshot.ID)
	}
	var stored, published int
	for i, id := range ids {
		raw, err := s.RawFiles(context.Background(), id)
		if err != nil || len(raw) != 1 {
			t.Fatalf("snapshot %d: %d files, %v", id, len(raw), err)
		}
		got, err := raw[0].Data()
		if err != nil || !bytes.Equal(got, data[i]) {
			t.Fatalf("%s: %d bytes back, %v; want the %d published bytes", names[i], len(got), err, len(data[i]))
		}
		info := rawInfo(t, s, id, 0)
		if info.stem != "sdn.csv" || info.depth != i || (i == 0) == info.base.Valid {
			t.Errorf("%s stored as %+v: want stem sdn.csv, depth %d, a delta of the one before", names[i], info, i)
		}
		// A list changes by lines: a version up to a month after the one
		// before is a line delta. One ten months after (2022-09-09) has a
		// third of its lines new and is left to zstd's matching.
		if i > 0 && daysBetween(t, names[i-1], names[i]) <= 31 && info.codec != CodecLines {
			t.Errorf("%s, %d days after %s: codec %s, want %s", names[i], daysBetween(t, names[i-1], names[i]), names[i-1], info.codec, CodecLines)
		}
		stored += info.blobLength
		published += len(data[i])
	}
	// Versions months apart still share most lines: the archive must be far
	// smaller than one self-contained copy per version (about 0.17 of the
	// published bytes each).
	if stored*10 > published {
		t.Errorf("14 versions take %d bytes stored of %d published: want under a tenth", stored, published)
	}
	t.Logf("14 versions: %d bytes published, %d stored", published, stored)
}

// TestRawFullEvery checks that a chain never grows past RawFullEvery: every
// RawFullEvery-th version is self-contained, and every version reads back.
func TestRawFullEvery(t *testing.T) {
	s := openTest(t)
	n := RawFullEvery + 3
	var ids []int64
	content := func(i int) []byte {
		return fmt.Appendf(nil, "header\n%s\nversion %d\n", strings.Repeat("unchanged line\n", 50), i)
	}
	for i := range n {
		ids = append(ids, saveRaw(t, s, "ofac-sdn", i, -1, map[string][]byte{"sdn.csv": content(i)}, "sdn.csv").Snapshot.ID)
	}
	for i, id := range ids {
		info := rawInfo(t, s, id, 0)
		if want := i % RawFullEvery; info.depth != want || (want == 0) == info.base.Valid {
			t.Errorf("version %d: depth %d, base %v; want depth %d", i, info.depth, info.base, want)
		}
		raw, err := s.RawFiles(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := raw[0].Data(); err != nil || !bytes.Equal(got, content(i)) {
			t.Errorf("version %d reads %q, %v", i, got, err)
		}
	}
}

// TestRawDamageNamesAffected damages one version in the middle of a chain
// and checks that reading any file through it, and VerifyRaw, name it with
// every snapshot whose chain passes through it, and that the files before
// it and those of another list still read.
func TestRawDamageNamesAffected(t *testing.T) {
	tests := []struct {
		name   string
		damage string // SQL run on the third version's row
		reason string
	}{
		{"bytes changed", `UPDATE raw_files SET data = substr(data, 1, length(data) - 1) || x'00' WHERE snapshot_id = ? AND seq = 0`, "decompress"},
		{"content differs from the record", `UPDATE raw_files SET sha256 = 'ff' || substr(sha256, 3) WHERE snapshot_id = ? AND seq = 0`, "damaged"},
		{"pruned behind the store's back", `UPDATE raw_files SET data = NULL WHERE snapshot_id = ? AND seq = 0`, "pruned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			var ids []int64
			for i := range 6 {
				f := fmt.Appendf(nil, "entries\n%s\nversion %d\n", strings.Repeat("same\n", 20), i)
				ids = append(ids, saveRaw(t, s, "ofac-sdn", i, -1, map[string][]byte{"sdn.csv": f, "add.csv": []byte("add " + fmt.Sprint(i))}, "sdn.csv", "add.csv").Snapshot.ID)
			}
			other := saveRaw(t, s, "uk-fcdo", 0, -1, map[string][]byte{"sdn.csv": []byte("not ofac")}, "sdn.csv").Snapshot.ID
			if _, err := s.w.Exec(tt.damage, ids[2]); err != nil {
				t.Fatal(err)
			}
			wantAffected := ids[2:]
			for i, id := range append(slices.Clone(ids), other) {
				raw, err := s.RawFiles(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				_, err = raw[0].Data()
				if i == 2 && raw[0].Pruned() {
					continue // its own data is gone: it reads as pruned; its dependents may not
				}
				if id == other || i < 2 {
					if err != nil {
						t.Errorf("snapshot %d, before the damage: %v", id, err)
					}
					continue
				}
				var d *RawDamage
				if !errors.As(err, &d) || d.Ref != (RawRef{ids[2], 0}) || !slices.Equal(d.Affected, wantAffected) || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("snapshot %d: err = %v; want the damage of snapshot %d's sdn.csv (%s) affecting %v", id, err, ids[2], tt.reason, wantAffected)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				if _, err := raw[1].Data(); err != nil {
					t.Errorf("snapshot %d's add.csv, another chain: %v", id, err)
				}
			}
			found, err := s.VerifyRaw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(found) != 1 || found[0].Ref != (RawRef{ids[2], 0}) || !slices.Equal(found[0].Affected, wantAffected) {
				t.Errorf("VerifyRaw = %v; want one damage at snapshot %d affecting %v", found, ids[2], wantAffected)
			}
		})
	}
}

func TestVerifyRawSound(t *testing.T) {
	s := openTest(t)
	for i := range 5 {
		saveRaw(t, s, "ofac-sdn", i, 2, map[string][]byte{"sdn.csv": fmt.Appendf(nil, "v%d %s", i, strings.Repeat("x", 100))}, "sdn.csv")
	}
	if found, err := s.VerifyRaw(context.Background()); err != nil || len(found) != 0 {
		t.Errorf("VerifyRaw of a sound archive = %v, %v", found, err)
	}
}

// TestRawRetentionKeepsBases prunes with raw_retention 2 and checks that the
// two kept snapshots read back although their chains reach into pruned
// snapshots, whose other files are dropped.
func TestRawRetentionKeepsBases(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var ids []int64
	for i := range 6 {
		ids = append(ids, saveRaw(t, s, "ofac-sdn", i, 2, map[string][]byte{
			"sdn.csv": fmt.Appendf(nil, "sdn %d %s", i, strings.Repeat("y", 200)),
		}, "sdn.csv").Snapshot.ID)
	}
	for i, id := range ids {
		raw, err := s.RawFiles(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw[0].Data(); err != nil {
			t.Errorf("snapshot %d (%d of 6): %v; want every file readable, the older ones kept as bases", id, i+1, err)
		}
	}
	// A self-contained newest version frees the chain behind it.
	if _, err := s.w.Exec(`UPDATE raw_files SET depth = ? WHERE snapshot_id = ?`, RawFullEvery-1, ids[5]); err != nil {
		t.Fatal(err)
	}
	res := saveRaw(t, s, "ofac-sdn", 6, 2, map[string][]byte{"sdn.csv": []byte("sdn 6")}, "sdn.csv")
	if info := rawInfo(t, s, res.Snapshot.ID, 0); info.base.Valid {
		t.Fatalf("version after depth %d: %+v, want self-contained", RawFullEvery-1, info)
	}
	saveRaw(t, s, "ofac-sdn", 7, 2, map[string][]byte{"sdn.csv": []byte("sdn 7")}, "sdn.csv")
	for i, id := range ids {
		raw, err := s.RawFiles(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !raw[0].Pruned() {
			t.Errorf("snapshot %d (%d of 8): kept, want pruned: no kept file needs it any more", id, i+1)
		}
	}
}

// TestRawBaseFollowsAcceptedFiles: accepting a quarantined snapshot moves
// its raw files to the new active snapshot; a later quarantined file that
// is a delta of them must still read.
func TestRawBaseFollowsAcceptedFiles(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	g := Guards{MinEntities: 100}
	save := func(day int, n int, accepts int64, body string) *SaveResult {
		t.Helper()
		base, err := s.RawBase(ctx, "ofac-sdn", 0, "sdn.csv")
		if err != nil {
			t.Fatal(err)
		}
		f, err := CompressRawAgainst("sdn.csv", []byte(body), base)
		if err != nil {
			t.Fatal(err)
		}
		published := fmt.Sprintf("2024-01-%02d", day)
		res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: published, RawSHA256: published,
			Entities: population(n), Guards: g, Accepts: accepts, RawRetention: -1, RawFiles: []RawFile{f}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	save(1, 200, 0, "full list "+strings.Repeat("z", 100))
	q1 := save(2, 50, 0, "short list "+strings.Repeat("z", 100))
	q2 := save(3, 60, 0, "shorter list "+strings.Repeat("z", 100))
	if !q1.Quarantined() || !q2.Quarantined() {
		t.Fatal("want both short publications quarantined")
	}
	if info := rawInfo(t, s, q2.Snapshot.ID, 0); !info.base.Valid || info.base.Int64 != q1.Snapshot.ID {
		t.Fatalf("q2's file: %+v, want a delta of q1's", info)
	}
	// q2 is newer: accepting q1 is refused by the store's rule for
	// superseded snapshots only when an active one is newer, so it goes.
	acc := save(2, 50, q1.Snapshot.ID, "short list "+strings.Repeat("z", 100))
	if info := rawInfo(t, s, q2.Snapshot.ID, 0); info.base.Int64 != acc.Snapshot.ID {
		t.Errorf("q2's base after accepting q1: snapshot %d, want %d, where q1's files moved", info.base.Int64, acc.Snapshot.ID)
	}
	raw, err := s.RawFiles(ctx, q2.Snapshot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := raw[0].Data(); err != nil || string(got) != "shorter list "+strings.Repeat("z", 100) {
		t.Errorf("q2 reads %q, %v", got, err)
	}
}

// oldSchemaDB writes a database as a tracker before migration 7 did: the
// first six migrations, and raw files as gzip.
func oldSchemaDB(t *testing.T, files []string, data [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	migrations, err := tracker.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for i, m := range migrations {
		if strings.Contains(m, "CREATE TABLE raw_files_v7") {
			last = i
			break
		}
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d; PRAGMA application_id = %d`, last, ApplicationID)); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		r, err := db.Exec(`INSERT INTO snapshots (list, fetched_at, source, raw_sha256, content_sha256, entity_count) VALUES ('ofac-sdn', '2024-01-01T00:00:00Z', 'test', ?, ?, 1)`,
			fmt.Sprint(i), fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := r.LastInsertId()
		f, err := CompressRaw(files[i], data[i])
		if err != nil {
			t.Fatal(err)
		}
		var gz any = gzipped(t, data[i])
		if i == 0 {
			gz = nil // pruned by the old retention
		}
		if _, err := db.Exec(`INSERT INTO raw_files (snapshot_id, seq, name, size, sha256, gz) VALUES (?, 0, ?, ?, ?, ?)`, id, files[i], f.Size, f.SHA256, gz); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestMigrateGzipRaw opens a database written with gzip raw files (the
// real sdn.csv versions; the oldest pruned) and checks that Open converts
// every kept one to a chain of deltas that gives back the same bytes.
func TestMigrateGzipRaw(t *testing.T) {
	ctx := context.Background()
	names, data := sdnVersions(t)
	names, data = names[:6], data[:6]
	path := oldSchemaDB(t, names, data)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range names {
		id := int64(i + 1)
		info := rawInfo(t, s, id, 0)
		raw, err := s.RawFiles(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if !raw[0].Pruned() || info.stem != "sdn.csv" {
				t.Errorf("pruned file after conversion: %+v, pruned %v", info, raw[0].Pruned())
			}
			continue
		}
		if info.codec == CodecGzip || info.stem != "sdn.csv" || info.depth != i-1 || (i > 1) != info.base.Valid {
			t.Errorf("%s after conversion: %+v; want a delta, depth %d", names[i], info, i-1)
		}
		if got, err := raw[0].Data(); err != nil || !bytes.Equal(got, data[i]) {
			t.Errorf("%s after conversion: %d bytes, %v; want the %d published bytes", names[i], len(got), err, len(data[i]))
		}
	}
	if found, err := s.VerifyRaw(ctx); err != nil || len(found) != 0 {
		t.Errorf("VerifyRaw after conversion = %v, %v", found, err)
	}
	// The next import continues the converted chain.
	res := saveRaw(t, s, "ofac-sdn", 40, -1, map[string][]byte{"sdn.csv": data[5]}, "sdn.csv")
	if info := rawInfo(t, s, res.Snapshot.ID, 0); info.depth != 5 {
		t.Errorf("next version after conversion: %+v, want depth 5", info)
	}
}

// BenchmarkCompressRaw compresses the real 2024-03-05 sdn.csv as the import
// does: self-contained, and as a delta of 2024-03-04 (the day before);
// gzip is what raw files cost before migration 7. B/file is the stored size.
func BenchmarkCompressRaw(b *testing.B) {
	read := func(day string) []byte {
		data, err := os.ReadFile(shareddata.Path(b, "ofac/sdn-csv/"+day+".sdn.csv"))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	prev, cur := read("2024-03-04"), read("2024-03-05")
	base := &RawBase{Ref: RawRef{1, 0}, Depth: 0, Data: prev}
	for _, bc := range []struct {
		name string
		fn   func() (int, error)
	}{
		{"full", func() (int, error) { f, err := CompressRaw("sdn.csv", cur); return len(f.Blob), err }},
		{"delta", func() (int, error) { f, err := CompressRawAgainst("sdn.csv", cur, base); return len(f.Blob), err }},
		{"gzip-before", func() (int, error) {
			var buf bytes.Buffer
			zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			if err != nil {
				return 0, err
			}
			if _, err := zw.Write(cur); err != nil {
				return 0, err
			}
			err = zw.Close()
			return buf.Len(), err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(cur)))
			var n int
			for b.Loop() {
				var err error
				if n, err = bc.fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "B/file")
		})
	}
}
