package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// files serves files by name with an ETag per file content version, and
// logs each request as "name If-None-Match → status".
type files struct {
	mu   sync.Mutex
	body map[string][]byte
	etag map[string]string // "" = send no ETag
	log  []string
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := path.Base(r.URL.Path)
	inm := r.Header.Get("If-None-Match")
	status := http.StatusOK
	if etag := f.etag[name]; etag != "" {
		w.Header().Set("ETag", etag)
		if inm == etag {
			status = http.StatusNotModified
		}
	}
	f.log = append(f.log, name+" "+inm+" → "+http.StatusText(status))
	w.WriteHeader(status)
	if status == http.StatusOK {
		w.Write(f.body[name])
	}
}

func (f *files) set(name string, body []byte, etag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body[name], f.etag[name] = body, etag
}

func (f *files) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

func newFiles(t testing.TB) (*files, *httptest.Server) {
	f := &files{body: map[string][]byte{}, etag: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newIngester(t testing.TB) *Ingester {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Ingester{Store: st}
}

func ofacSDN(t testing.TB) lists.List {
	l, err := lists.Lookup("ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestFetchConditionalMultiFile follows OFAC's legacy CSV trio (real files
// of 2021-04-25) through conditional fetches: all 304 stores nothing and
// downloads nothing; one file without validators makes the others download
// again in full, since a publication is parsed whole.
func TestFetchConditionalMultiFile(t *testing.T) {
	ctx := context.Background()
	f, srv := newFiles(t)
	names := []string{"sdn.csv", "add.csv", "alt.csv"}
	var urls []string
	for _, n := range names {
		f.set(n, read(t, "ofac/sdn-csv-trio/2021-04-25/"+n), `"`+n+`-1"`)
		urls = append(urls, srv.URL+"/"+n)
	}
	in := newIngester(t)
	req := FetchRequest{List: ofacSDN(t), URLs: urls, Downloader: &fetch.Downloader{Retries: -1}}

	tests := []struct {
		name        string
		setup       func()
		created     bool
		notModified bool
		requests    []string
	}{
		{name: "first", created: true, requests: []string{
			"sdn.csv  → OK", "add.csv  → OK", "alt.csv  → OK"}},
		{name: "all 304", notModified: true, requests: []string{
			`sdn.csv "sdn.csv-1" → Not Modified`, `add.csv "add.csv-1" → Not Modified`, `alt.csv "alt.csv-1" → Not Modified`}},
		{name: "alt.csv loses its ETag", setup: func() { f.set("alt.csv", read(t, "ofac/sdn-csv-trio/2021-04-25/alt.csv"), "") },
			requests: []string{
				`sdn.csv "sdn.csv-1" → Not Modified`, `add.csv "add.csv-1" → Not Modified`, `alt.csv "alt.csv-1" → OK`,
				"sdn.csv  → OK", "add.csv  → OK"}},
		{name: "alt.csv asked unconditionally", notModified: false, requests: []string{
			`sdn.csv "sdn.csv-1" → Not Modified`, `add.csv "add.csv-1" → Not Modified`, "alt.csv  → OK",
			"sdn.csv  → OK", "add.csv  → OK"}},
	}
	for _, tc := range tests {
		if tc.setup != nil {
			tc.setup()
		}
		res, err := in.FetchConditional(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Save.Created != tc.created || res.NotModified != tc.notModified {
			t.Errorf("%s: created %v, not modified %v; want %v, %v", tc.name, res.Save.Created, res.NotModified, tc.created, tc.notModified)
		}
		if res.Save.Snapshot.ID != 1 {
			t.Errorf("%s: snapshot %d, want the one stored first", tc.name, res.Save.Snapshot.ID)
		}
		if tc.notModified && res.Bytes != 0 {
			t.Errorf("%s: %d bytes counted for 304s", tc.name, res.Bytes)
		}
		if got := f.take(); strings.Join(got, "\n") != strings.Join(tc.requests, "\n") {
			t.Errorf("%s: requests\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.requests, "\n"))
		}
	}
}

// TestFetchValidatorsOnlyAfterStore: validators of a publication that did
// not store (a broken file) are not kept, so the next request asks with the
// old ones and the repaired file is downloaded, parsed and stored.
func TestFetchValidatorsOnlyAfterStore(t *testing.T) {
	ctx := context.Background()
	f, srv := newFiles(t)
	good1 := read(t, "ofac/constructed/2025-06-30.sdn.xml")
	good2 := read(t, "ofac/constructed/2025-11-19.sdn.xml")
	in := newIngester(t)
	req := FetchRequest{List: ofacSDN(t), URLs: []string{srv.URL + "/SDN.XML"}, Downloader: &fetch.Downloader{Retries: -1}}

	f.set("SDN.XML", good1, `"v1"`)
	if _, err := in.FetchConditional(ctx, req); err != nil {
		t.Fatal(err)
	}
	// The publisher's file is cut short, under a new ETag.
	f.set("SDN.XML", good2[:len(good2)/2], `"v2"`)
	if _, err := in.FetchConditional(ctx, req); err == nil {
		t.Fatal("a truncated sdn.xml stored")
	}
	v, err := in.Store.Validators(ctx, "ofac-sdn", req.URLs)
	if err != nil {
		t.Fatal(err)
	}
	if got := v[req.URLs[0]].ETag; got != `"v1"` {
		t.Errorf("after the failed store the saved ETag is %s, want \"v1\"", got)
	}
	// Repaired under the same ETag: had v2 been saved, this would be a 304
	// and the new publication would never be stored.
	f.set("SDN.XML", good2, `"v2"`)
	f.take()
	res, err := in.FetchConditional(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Save.Created || len(res.Save.Changes) != 3 {
		t.Errorf("repaired file: created %v with %d changes; want the 3 CYBER4 additions", res.Save.Created, len(res.Save.Changes))
	}
	if got := f.take(); len(got) != 1 || got[0] != `SDN.XML "v1" → OK` {
		t.Errorf("requests %q", got)
	}
	v, _ = in.Store.Validators(ctx, "ofac-sdn", req.URLs)
	if got := v[req.URLs[0]].ETag; got != `"v2"` {
		t.Errorf("after storing, saved ETag %s, want \"v2\"", got)
	}
}

// TestNotModifiedWithoutValidators: a cache that answers 304 to a request
// that carried no validators must not make the list look unchanged.
func TestNotModifiedWithoutValidators(t *testing.T) {
	ctx := context.Background()
	var serve304 bool
	var mu sync.Mutex
	body := read(t, "ofac/constructed/2025-06-30.sdn.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if serve304 {
			w.WriteHeader(http.StatusNotModified) // whatever was asked
			return
		}
		w.Write(body) // no ETag, no Last-Modified
	}))
	t.Cleanup(srv.Close)
	in := newIngester(t)
	req := FetchRequest{List: ofacSDN(t), URLs: []string{srv.URL + "/sdn.xml"}, Downloader: &fetch.Downloader{Retries: -1}}
	if _, err := in.FetchConditional(ctx, req); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	serve304 = true
	mu.Unlock()
	_, err := in.FetchConditional(ctx, req)
	if err == nil || !strings.Contains(err.Error(), "304 Not Modified to a request without validators") {
		t.Fatalf("304 to an unconditional request: %v, want an error", err)
	}
}

// TestRemovalsUnconfirmed: a UK publication that removes an entry and is
// different at the second download is not stored; the next check tries
// again.
func TestRemovalsUnconfirmed(t *testing.T) {
	ctx := context.Background()
	full := read(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv")
	lines := strings.SplitAfter(string(full), "\n")
	// Without the first designation's rows (AFG0007): one removal.
	var kept []string
	for i, l := range lines {
		if i < 2 || !strings.Contains(l, ",AFG0007,") {
			kept = append(kept, l)
		}
	}
	removed := strings.Join(kept, "")
	var n int
	var mu sync.Mutex
	body := full
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n++
		b := body
		if n%2 == 0 { // every second answer differs in one byte
			b = []byte(strings.Replace(string(b), "Asset freeze", "Asset  freeze", 1))
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	uk, err := lists.Lookup("uk-sanctions-list")
	if err != nil {
		t.Fatal(err)
	}
	in := newIngester(t)
	req := FetchRequest{List: uk, URLs: []string{srv.URL + "/UK-Sanctions-List.csv"}, Downloader: &fetch.Downloader{Retries: -1}}
	if _, err := in.FetchConditional(ctx, req); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	body, n = []byte(removed), 0
	mu.Unlock()
	_, err = in.FetchConditional(ctx, req)
	if !errors.Is(err, ErrUnconfirmed) || !strings.Contains(err.Error(), "changed between two downloads") {
		t.Fatalf("fetch of an unconfirmed removal: %v, want ErrUnconfirmed", err)
	}
	snaps, err := in.Store.Snapshots(ctx, "uk-sanctions-list")
	if err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots %v, %v: want the baseline only", snaps, err)
	}
}

// TestConfirmingDownloadWaitsMinWait: the second download that confirms
// removals asks the server again only after the Downloader's MinWait
// (the daemon's one request per URL per minute), and then stores.
func TestConfirmingDownloadWaitsMinWait(t *testing.T) {
	ctx := context.Background()
	full := read(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv")
	var kept []string
	for i, l := range strings.SplitAfter(string(full), "\n") {
		if i < 2 || !strings.Contains(l, ",AFG0007,") {
			kept = append(kept, l)
		}
	}
	var mu sync.Mutex
	body, requests := full, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	uk, err := lists.Lookup("uk-sanctions-list")
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	dl := &fetch.Downloader{Retries: -1, MinWait: time.Minute, Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		return ctx.Err()
	}}
	in := newIngester(t)
	req := FetchRequest{List: uk, URLs: []string{srv.URL + "/UK-Sanctions-List.csv"}, Downloader: dl}
	if _, err := in.FetchConditional(ctx, req); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	body, requests, waits = []byte(strings.Join(kept, "")), 0, nil
	mu.Unlock()
	res, err := in.FetchConditional(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if requests != 2 || !slices.Equal(waits, []time.Duration{time.Minute}) || !res.Save.Created {
		t.Errorf("%d requests, waits %v, stored %v: want 2 requests a minute apart and the snapshot stored", requests, waits, res.Save.Created)
	}
}
