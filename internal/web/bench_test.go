package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/replay"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// historyDB is a database holding the full 308-version OFAC history: the
// file $TRACKER_BENCH_DB names (made by `tracker replay --list ofac-sdn
// ../shared/data/ofac/sdn-csv-history.bundle`), else one replayed here
// (about 20 s).
func historyDB(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("TRACKER_BENCH_DB"); p != "" {
		return p
	}
	ctx := context.Background()
	db := filepath.Join(b.TempDir(), "history.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	src, err := replay.Open(ctx, shareddata.Path(b, "ofac/sdn-csv-history.bundle"), replay.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	l, err := lists.Lookup("ofac-sdn")
	if err != nil {
		b.Fatal(err)
	}
	in := &ingest.Ingester{Store: st, RawRetention: -1}
	for i, v := range src.Versions() {
		files, err := src.Read(ctx, i)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := in.Ingest(ctx, ingest.Request{List: l, Files: files, AsOf: v.Date}); err != nil {
			b.Fatalf("%s: %v", v.Label, err)
		}
	}
	return db
}

// BenchmarkPages answers the pages the issue sets targets for, over the
// full OFAC history: the changes page (≤ 100 ms) and a designation page
// with a long history (≤ 50 ms). Run with -benchtime=20x; the setup
// replays the history once.
func BenchmarkPages(b *testing.B) {
	db := historyDB(b)
	st, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := New(Options{Store: st, Lists: []string{"ofac-sdn"}, Now: func() time.Time { return time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, target string }{
		{"changes", "/changes"},
		{"changes-all-regimes", "/changes?regime=all"},
		{"changes-json", "/changes?format=json"},
		// CHATEX (33854), designated 2021-11-08 and amended since.
		{"designation", "/lists/ofac-sdn/designations/33854"},
		{"overview", "/"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bc.target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", bc.target, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
