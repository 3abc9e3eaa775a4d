package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cybersanctions/tracker/internal/source/uk"
)

// BenchmarkSaveSnapshotLinks measures what linking adds to storing the
// OFAC SDN list of 2024-05-03 (14,965 entities) in a database that holds
// the OFSI list of 2025-04-10: "changed" over OFAC 2024-03-05 (567 added
// or amended entities linked), "first" as OFAC's first snapshot (every
// entity keyed and linked, and OFSI's list, stored alone, keyed whole
// then), "keyed" as OFAC's first snapshot beside OFSI's and FCDO's lists
// of the same day, already keyed, and "alone" as the first snapshot of an empty
// database (nothing to link with: its keys wait for a second list). Each runs with linking off and on: the pairs
// are the cost. Only SaveSnapshot is timed, from a fresh copy of the
// database each iteration.
func BenchmarkSaveSnapshotLinks(b *testing.B) {
	ctx := context.Background()
	ofsi := NewSnapshot{List: "uk-ofsi-conlist", Source: "ofsi", PublishedAt: "2025-04-10", RawSHA256: "ofsi", Entities: benchParse(b, "uk/ofsi/2025-04-10.ConList.from-xlsx.csv", uk.ParseConList)}
	fcdo := NewSnapshot{List: "uk-sanctions-list", Source: "fcdo", PublishedAt: "2025-04-10", RawSHA256: "fcdo", Entities: benchParse(b, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml", uk.ParseSanctionsList)}
	older := benchSnapshot("2024-03-05", benchOFAC(b, "2024-03-05"))
	newer := benchSnapshot("2024-05-03", benchOFAC(b, "2024-05-03"))
	for _, bc := range []struct {
		name     string
		template string
	}{
		{"changed", benchDB(b, ofsi, older)},
		{"first", benchDB(b, ofsi)},
		{"keyed", benchDB(b, ofsi, fcdo)},
		{"alone", benchDB(b)},
	} {
		for _, on := range []bool{false, true} {
			name := bc.name + "/links=off"
			if on {
				name = bc.name + "/links=on"
			}
			b.Run(name, func(b *testing.B) {
				defer func() { linking = true }()
				dir := b.TempDir()
				for b.Loop() {
					b.StopTimer()
					path := filepath.Join(dir, "tracker.db")
					for _, suffix := range []string{"", "-wal", "-shm"} {
						os.Remove(path + suffix)
					}
					copyFile(b, bc.template, path)
					s, err := Open(ctx, path)
					if err != nil {
						b.Fatal(err)
					}
					linking = on
					b.StartTimer()
					if _, err := s.SaveSnapshot(ctx, newer); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					linking = true
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			})
		}
	}
}
