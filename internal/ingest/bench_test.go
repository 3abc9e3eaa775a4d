package ingest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// BenchmarkImport is `tracker import` of the OFAC SDN list of 2024-05-03
// (sdn.csv, 14,965 entries) in process: open the database, parse, store
// with its changes and raw file, close (which checkpoints the WAL).
// "existing" imports into a database holding 2024-03-05, "unchanged" into
// one already holding 2024-05-03, "empty" into a new one. The context is
// cancellable, as the CLI's and the daemon's are: that changes how
// database/sql and the driver run each statement.
func BenchmarkImport(b *testing.B) {
	ofac := ofacSDN(b)
	older := []source.RawFile{{Name: "2024-03-05.sdn.csv", Data: read(b, "ofac/sdn-csv/2024-03-05.sdn.csv")}}
	newer := []source.RawFile{{Name: "2024-05-03.sdn.csv", Data: read(b, "ofac/sdn-csv/2024-05-03.sdn.csv")}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// template stores the given publications in a new database and
	// returns its path, closed.
	template := func(b *testing.B, pubs ...Request) string {
		path := filepath.Join(b.TempDir(), "template.db")
		st, err := store.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		in := &Ingester{Store: st, RawRetention: 30}
		for _, req := range pubs {
			if _, err := in.Ingest(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		return path
	}
	req := func(files []source.RawFile, asOf string) Request {
		return Request{List: ofac, Files: files, AsOf: asOf}
	}
	for _, bc := range []struct {
		name    string
		pubs    []Request
		created bool
	}{
		{"existing", []Request{req(older, "2024-03-05")}, true},
		{"unchanged", []Request{req(older, "2024-03-05"), req(newer, "2024-05-03")}, false},
		{"empty", nil, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tmpl := ""
			if len(bc.pubs) > 0 {
				tmpl = template(b, bc.pubs...)
			}
			path := filepath.Join(b.TempDir(), "tracker.db")
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				resetDB(b, tmpl, path)
				b.StartTimer()
				st, err := store.Open(ctx, path)
				if err != nil {
					b.Fatal(err)
				}
				in := &Ingester{Store: st, RawRetention: 30}
				res, err := in.Ingest(ctx, req(newer, "2024-05-03"))
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
				if res.Created != bc.created {
					b.Fatalf("created %v, want %v", res.Created, bc.created)
				}
			}
		})
	}
}

// resetDB makes path a copy of the database file tmpl, or removes it when
// tmpl is "".
func resetDB(b *testing.B, tmpl, path string) {
	b.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	if tmpl == "" {
		return
	}
	src, err := os.Open(tmpl)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}
