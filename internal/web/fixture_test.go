package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// scriptName is what the constructed third version calls designation
// 44904: every page must show it as text.
const scriptName = "<script>alert(1)</script>"

// fixture is a database holding three snapshots of ofac-sdn: the real
// sdn.csv of 2023-09-06 and 2023-09-07 (11 CYBER2 designations added),
// then a constructed copy of the second in which 44904 ("TSAREV, Mikhail
// Mikhailovich") is renamed to scriptName and 2674 (SDGT) to "ABBAS, Abu Al". uk-sanctions-list has a failing
// check and no snapshot; ofac-sdn a successful one.
type fixture struct {
	db    string
	store *store.Store // read-only
	srv   *Server
	files map[string][]byte // raw file name → bytes
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
	fixtureRaw  map[string][]byte
)

// buildDB imports the files once per test binary into a template
// database; each test gets its own copy.
func buildDB(t testing.TB) (string, map[string][]byte) {
	t.Helper()
	older := shareddata.Path(t, "ofac/sdn-csv/2023-09-06.sdn.csv")
	newer := shareddata.Path(t, "ofac/sdn-csv/2023-09-07.sdn.csv")
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "tracker-web-fixture-")
		if fixtureErr != nil {
			return
		}
		fixtureErr = importFixture(filepath.Join(fixtureDir, "tracker.db"), older, newer)
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	data, err := os.ReadFile(filepath.Join(fixtureDir, "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "tracker.db")
	if err := os.WriteFile(db, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return db, fixtureRaw
}

func importFixture(db, older, newer string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := lists.Lookup("ofac-sdn")
	if err != nil {
		return err
	}
	in := &ingest.Ingester{Store: st, RawRetention: -1}
	a, err := os.ReadFile(older)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(newer)
	if err != nil {
		return err
	}
	c := bytes.Replace(b, []byte(`"TSAREV, Mikhail Mikhailovich"`), []byte(`"`+scriptName+`"`), 1)
	// And a non-cyber amendment, which only regime=all shows.
	c = bytes.Replace(c, []byte(`2674,"ABBAS, Abu"`), []byte(`2674,"ABBAS, Abu Al"`), 1)
	if bytes.Equal(b, c) {
		return io.ErrUnexpectedEOF
	}
	fixtureRaw = map[string][]byte{"2023-09-06.sdn.csv": a, "2023-09-07.sdn.csv": b, "2023-09-08.sdn.csv": c}
	for _, f := range []struct {
		name, day string
	}{{"2023-09-06.sdn.csv", "2023-09-06"}, {"2023-09-07.sdn.csv", "2023-09-07"}, {"2023-09-08.sdn.csv", "2023-09-08"}} {
		req := ingest.Request{List: l, AsOf: f.day, Files: []source.RawFile{{Name: f.name, Data: fixtureRaw[f.name]}},
			FetchedAt: time.Date(2023, 9, 8, 12, 0, 0, 0, time.UTC)}
		if _, err := in.Ingest(ctx, req); err != nil {
			return err
		}
	}
	at := time.Date(2023, 9, 8, 12, 0, 0, 0, time.UTC)
	if _, _, err := st.RecordCheck(ctx, store.Check{List: "ofac-sdn", StartedAt: at, Outcome: store.Unchanged, Snapshot: 3}, store.CheckOptions{}); err != nil {
		return err
	}
	for i := range 2 {
		if _, _, err := st.RecordCheck(ctx, store.Check{List: "uk-sanctions-list", StartedAt: at.Add(time.Duration(i) * time.Hour),
			Outcome: store.Failed, Error: "GET https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml: 503 Service Unavailable"}, store.CheckOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	db, raw := buildDB(t)
	st, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts.Store = st
	if opts.Lists == nil {
		opts.Lists = []string{"ofac-sdn", "uk-sanctions-list"}
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2023, 9, 8, 13, 0, 0, 0, time.UTC) }
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, store: st, srv: srv, files: raw}
}

// get runs one request through the handler and returns the response and
// its body.
func (f *fixture) get(t testing.TB, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func mustContain(t testing.TB, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func mustLack(t testing.TB, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("body holds %q", b)
		}
	}
}
