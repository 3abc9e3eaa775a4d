package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// "Never lose, never invent": whatever a publisher's server sends, a
// download that is not a whole, valid publication is refused with an error
// naming the list, the file and the place, and the database keeps exactly
// what it held before. These tests drive the real pipeline end to end:
// httptest server → fetch.Downloader → Ingester.FetchConditional → SQLite.

// faultServer answers every request with its current handler and counts
// requests.
type faultServer struct {
	*httptest.Server
	mu       sync.Mutex
	h        http.HandlerFunc
	requests atomic.Int32
}

func newFaultServer(t testing.TB) *faultServer {
	s := &faultServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		h := s.h
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *faultServer) handle(h http.HandlerFunc) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
	s.requests.Store(0)
}

// serveBytes answers 200 with body and its length, with extra headers.
func serveBytes(body []byte, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}
}

// recordedSleeps stands in for the Downloader's wait between attempts.
type recordedSleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *recordedSleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *recordedSleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// dbState is what a rejected download must leave as it was.
type dbState struct {
	latest    tracker.Snapshot
	snapshots int
}

func stateOf(t testing.TB, st *store.Store, list string) dbState {
	t.Helper()
	ctx := context.Background()
	latest, err := st.Latest(ctx, list)
	if err != nil {
		t.Fatalf("latest %s: %v", list, err)
	}
	all, err := st.Snapshots(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	return dbState{latest: *latest, snapshots: len(all)}
}

func (s dbState) check(t testing.TB, st *store.Store, list string) {
	t.Helper()
	now := stateOf(t, st, list)
	if now.latest.ID != s.latest.ID || now.latest.ContentSHA256 != s.latest.ContentSHA256 || now.latest.EntityCount != s.latest.EntityCount {
		t.Errorf("latest snapshot is now %s (%d entities), was %s (%d entities)",
			now.latest.Label(), now.latest.EntityCount, s.latest.Label(), s.latest.EntityCount)
	}
	if now.snapshots != s.snapshots {
		t.Errorf("%d snapshots of %s, was %d", now.snapshots, list, s.snapshots)
	}
}

// lineStart is the offset of the first line that starts after off.
func lineStart(t testing.TB, data []byte, off int) int {
	t.Helper()
	i := bytes.IndexByte(data[off:], '\n')
	if i < 0 {
		t.Fatalf("no line break after offset %d", off)
	}
	return off + i + 1
}

// indexAfter is the offset of sep at or after off, failing the test when
// the file does not hold it.
func indexAfter(t testing.TB, data []byte, off int, sep string) int {
	t.Helper()
	i := bytes.Index(data[off:], []byte(sep))
	if i < 0 {
		t.Fatalf("%q not found after offset %d", sep, off)
	}
	return off + i
}

// withByte returns a copy of data with the byte at i replaced by b.
func withByte(data []byte, i int, b byte) []byte {
	out := slices.Clone(data)
	out[i] = b
	return out
}

// sameIDTwice gives the second match of re's first group the value of the
// first match: two records with one id, the record count unchanged.
func sameIDTwice(t testing.TB, data []byte, re string) []byte {
	t.Helper()
	m := regexp.MustCompile(re).FindAllSubmatchIndex(data, 2)
	if len(m) < 2 {
		t.Fatalf("fewer than two matches of %s", re)
	}
	first := data[m[0][2]:m[0][3]]
	return slices.Concat(data[:m[1][2]], first, data[m[1][3]:])
}

// gzipBomb is a gzip body that inflates to size bytes of zeros: one member
// of 1 MiB of zeros repeated (gzip readers read concatenated members as one
// stream), so that making it costs no gigabyte of work.
func gzipBomb(t testing.TB, size int64) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), int(size>>20))
}

func gzipOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// badInput is one response that must be refused.
type badInput struct {
	name  string
	file  string // the URL's last path element: the file name the parser sees; "" = the group's
	serve http.HandlerFunc
	// want are substrings of the error besides the list's name; the file
	// name is checked too when the error is a *source.ParseError.
	want []string
	// pos: the error is a *source.ParseError whose position starts so.
	pos string
	is  error // errors.Is, when set
}

// faultGroup is a list with a good snapshot stored, and what its server
// must not get past the pipeline.
type faultGroup struct {
	list, good, file string
	bad              []badInput
}

const faultMaxBytes = 16 << 20 // above every real file used here (3.9 MB at most)

// TestFetchRejectsBadInput is the table of bad inputs: each is refused
// with an error naming the list, the file and the position where there is
// one, and leaves the previous snapshot the latest and the snapshot count
// as it was.
func TestFetchRejectsBadInput(t *testing.T) {
	sdnCSV := read(t, "ofac/sdn-csv/2024-05-03.sdn.csv")
	consXML := read(t, "ofac/xml/2025-03-28.consolidated.xml")
	euXML := read(t, "eu/fsf/2020-10-22.xml")
	euCSV := read(t, "eu/excerpts/2024-10-02.csvFullSanctionsList_1_1-excerpt.csv")
	ukXML := read(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml")
	ukCSV := read(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv")

	// A record in the middle of each file: the cuts and edits go there.
	csvMid := lineStart(t, sdnCSV, len(sdnCSV)/2)
	consMid := indexAfter(t, consXML, len(consXML)/2, "<sdnEntry>")
	euMid := indexAfter(t, euXML, len(euXML)/2, "<sanctionEntity ")
	ukMid := indexAfter(t, ukXML, len(ukXML)/2, "<Designation>")
	euCSVMid := lineStart(t, euCSV, len(euCSV)/2)
	ukCSVMid := lineStart(t, ukCSV, len(ukCSV)/2)

	// The last record of the CSV cut short: its remarks, quoted, lose their end.
	csvEnd := len(bytes.TrimRight(sdnCSV, "\r\n\x1a"))
	html := []byte("<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body>Down for maintenance</body></html>\n")
	bomb := gzipBomb(t, 1<<30)
	sdnGz := gzipOf(t, sdnCSV)

	groups := []faultGroup{
		{list: "ofac-sdn", good: "ofac/sdn-csv/2024-03-05.sdn.csv", file: "2024-05-03.sdn.csv", bad: []badInput{
			{name: "empty body", serve: serveBytes(nil, "Content-Type", "text/csv"),
				want: []string{"empty response body"}, is: fetch.ErrEmpty},
			{name: "HTML page with status 200", serve: serveBytes(html, "Content-Type", "text/html; charset=utf-8"),
				want: []string{"got an HTML page", "Service Unavailable"}, is: fetch.ErrHTMLPage},
			{name: "HTML page sent as text/csv", serve: serveBytes(html, "Content-Type", "text/csv"),
				want: []string{"got an HTML page", "Service Unavailable"}, is: fetch.ErrHTMLPage},
			{name: "CSV cut inside a quoted name", serve: serveBytes(sdnCSV[:indexAfter(t, sdnCSV, csvMid, `"`)+4]),
				want: []string{"file ends inside a quoted field: truncated"}, pos: "line "},
			{name: "CSV cut between two fields", serve: serveBytes(sdnCSV[:indexAfter(t, sdnCSV, csvMid, `",`)+2]),
				want: []string{"fields, want 12: a record cut short"}, pos: "line "},
			{name: "CSV cut in the last record", serve: serveBytes(sdnCSV[:csvEnd-10]),
				want: []string{"truncated"}, pos: "line "},
			{name: "CSV with an ent_num twice", serve: serveBytes(slices.Concat(sdnCSV[:csvEnd+2], sdnCSV[csvMid:lineStart(t, sdnCSV, csvMid)], []byte{0x1a})),
				want: []string{"ent_num " + string(sdnCSV[csvMid:indexAfter(t, sdnCSV, csvMid, ",")]) + " again"}, pos: "line "},
			{name: "CSV with invalid UTF-8", serve: serveBytes(withByte(sdnCSV, indexAfter(t, sdnCSV, csvMid, `"`)+2, 0xff)),
				want: []string{"invalid UTF-8"}, pos: "line "},
			{name: "Content-Length 2 GB", serve: func(w http.ResponseWriter, r *http.Request) {
				// Headers only: a client that read on would hang here.
				w.Header().Set("Content-Length", strconv.Itoa(2<<30))
				w.WriteHeader(http.StatusOK)
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
			}, want: []string{"response body too large (Content-Length 2147483648 > limit"}, is: fetch.ErrTooLarge},
			{name: "gzip bomb, Content-Encoding", serve: serveBytes(bomb, "Content-Encoding", "gzip", "Content-Type", "text/csv"),
				want: []string{fmt.Sprintf("too large (more than %d bytes after gzip decompression)", faultMaxBytes)}, is: fetch.ErrTooLarge},
			{name: "gzip bomb, .gz file", file: "sdn.csv.gz", serve: serveBytes(bomb, "Content-Type", "application/gzip"),
				want: []string{fmt.Sprintf("too large (more than %d bytes after gzip decompression)", faultMaxBytes)}, is: fetch.ErrTooLarge},
			{name: "gzip stream cut short", serve: serveBytes(sdnGz[:len(sdnGz)/2], "Content-Encoding", "gzip"),
				want: []string{"unexpected EOF"}},
			// "A list with 90% of entries missing" is well formed: see
			// TestFetchQuarantinesMostlyMissingList.
		}},
		{list: "ofac-consolidated", good: "ofac/xml/2022-03-24.consolidated.xml", file: "consolidated.xml", bad: []badInput{
			{name: "XML cut inside a record", serve: serveBytes(consXML[:indexAfter(t, consXML, consMid, "<lastName>")+12]),
				want: []string{"truncated"}, pos: "line "},
			{name: "XML cut on a line boundary", serve: serveBytes(consXML[:lineStart(t, consXML, consMid)]),
				want: []string{"truncated"}, pos: "line "},
			{name: "XML cut just before the closing root tag", serve: serveBytes(consXML[:bytes.LastIndex(consXML, []byte("</sdnList>"))]),
				want: []string{"file ends inside <sdnList>: truncated"}, pos: "line "},
			{name: "XML cut between records and closed again", serve: serveBytes(slices.Concat(consXML[:consMid], []byte("</sdnList>\n"))),
				want: []string{"Record_Count is 443 but the file holds"}, pos: "line "},
			{name: "XML in an unknown namespace", serve: serveBytes(bytes.Replace(consXML,
				[]byte(`xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"`),
				[]byte(`xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML/v2"`), 1)),
				want: []string{`namespace "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML/v2"`}, pos: "line 2"},
			{name: "XML with a uid twice", serve: serveBytes(sameIDTwice(t, consXML, `<sdnEntry>\s*<uid>(\d+)</uid>`)),
				want: []string{"uid " + string(regexp.MustCompile(`<sdnEntry>\s*<uid>(\d+)</uid>`).FindSubmatch(consXML)[1]) + " again"}, pos: "line "},
			{name: "XML with invalid UTF-8", serve: serveBytes(withByte(consXML, indexAfter(t, consXML, consMid, "<lastName>")+11, 0xff)),
				want: []string{"invalid UTF-8"}, pos: "line "},
			{name: "XHTML page with status 200", serve: serveBytes([]byte(`<?xml version="1.0"?>`+"\n"+string(html[16:])), "Content-Type", "application/xml"),
				want: []string{"not an OFAC list file: an HTML page"}, pos: "line 2"},
		}},
		{list: "eu-fsf", good: "eu/fsf/2020-07-30.xml", file: "2020-10-22.xml", bad: []badInput{
			{name: "XML cut inside a record", serve: serveBytes(euXML[:indexAfter(t, euXML, euMid, `wholeName="`)+14]),
				want: []string{"truncated"}, pos: "line "},
			{name: "XML cut on a line boundary", serve: serveBytes(euXML[:lineStart(t, euXML, euMid)]),
				want: []string{"truncated"}, pos: "line "},
			{name: "XML cut just before the closing root tag", serve: serveBytes(euXML[:bytes.LastIndex(euXML, []byte("</export>"))]),
				want: []string{"file ends inside <export>: truncated"}, pos: "line "},
			{name: "XML with a logicalId twice", serve: serveBytes(sameIDTwice(t, euXML, `<sanctionEntity [^>]*logicalId="(\d+)"`)),
				want: []string{"logicalId " + string(regexp.MustCompile(`<sanctionEntity [^>]*logicalId="(\d+)"`).FindSubmatch(euXML)[1]) + " again"}, pos: "line "},
			{name: "XML with invalid UTF-8", serve: serveBytes(withByte(euXML, indexAfter(t, euXML, euMid, `wholeName="`)+12, 0xfe)),
				want: []string{"invalid UTF-8"}, pos: "line "},
			{name: "CSV with invalid UTF-8", file: "csvFullSanctionsList_1_1.csv", serve: serveBytes(withByte(euCSV, euCSVMid+3, 0xc3)),
				want: []string{"invalid UTF-8"}, pos: "line "},
		}},
		{list: "uk-sanctions-list", good: "uk/fcdo/2023-06-05.UK-Sanctions-List.xml", file: "UK-Sanctions-List.xml", bad: []badInput{
			{name: "XML cut inside a record", serve: serveBytes(ukXML[:indexAfter(t, ukXML, ukMid, "<UniqueID>")+13]),
				want: []string{"unexpected EOF: the file ends inside an element: truncated"}, pos: "line "},
			{name: "XML cut on a line boundary", serve: serveBytes(ukXML[:lineStart(t, ukXML, ukMid)]),
				want: []string{"unexpected EOF: the file ends inside an element: truncated"}, pos: "line "},
			{name: "XML cut just before the closing root tag", serve: serveBytes(ukXML[:bytes.LastIndex(ukXML, []byte("</Designations>"))]),
				want: []string{"unexpected EOF: the file ends inside an element: truncated"}, pos: "line "},
			{name: "XML with a UniqueID twice", serve: serveBytes(sameIDTwice(t, ukXML, `<UniqueID>([^<]+)</UniqueID>`)),
				want: []string{"UniqueID " + string(regexp.MustCompile(`<UniqueID>([^<]+)</UniqueID>`).FindSubmatch(ukXML)[1]) + " again"}, pos: "line "},
			{name: "XML with invalid UTF-8", serve: serveBytes(withByte(ukXML, indexAfter(t, ukXML, ukMid, "<Name6>")+8, 0xff)),
				want: []string{"invalid UTF-8"}, pos: "line "},
			{name: "CSV with invalid UTF-8", file: "UK-Sanctions-List.csv", serve: serveBytes(withByte(ukCSV, indexAfter(t, ukCSV, ukCSVMid, ",")+2, 0xff)),
				want: []string{"invalid UTF-8"}, pos: "line "},
		}},
	}

	for _, g := range groups {
		t.Run(g.list, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := newFaultServer(t)
			in := newIngester(t)
			l, err := lists.Lookup(g.list)
			if err != nil {
				t.Fatal(err)
			}
			sleeps := &recordedSleeps{}
			dl := &fetch.Downloader{MaxBytes: faultMaxBytes, Timeout: 10 * time.Second, Retries: 1, Sleep: sleeps.sleep}

			// The good snapshot, through the same path.
			good := read(t, g.good)
			srv.handle(serveBytes(good))
			goodURL := srv.URL + "/" + g.list + "/" + g.file
			res, err := in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{goodURL}, Downloader: dl})
			if err != nil || !res.Save.Created {
				t.Fatalf("good snapshot from %s: %v", g.good, err)
			}
			before := stateOf(t, in.Store, g.list)

			for _, b := range g.bad {
				t.Run(b.name, func(t *testing.T) {
					file := g.file
					if b.file != "" {
						file = b.file
					}
					u := srv.URL + "/" + g.list + "/" + file
					srv.handle(b.serve)
					start := time.Now()
					res, err := in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{u}, Downloader: dl})
					took := time.Since(start)
					if err == nil {
						t.Fatalf("accepted: created %v, snapshot %s with %d entities", res.Save.Created, res.Save.Snapshot.Label(), res.Save.Snapshot.EntityCount)
					}
					t.Log(err) // what the operator reads
					msg := err.Error()
					if !strings.HasPrefix(msg, g.list+": ") {
						t.Errorf("error does not start with the list's name %q", g.list)
					}
					for _, w := range b.want {
						if !strings.Contains(msg, w) {
							t.Errorf("error lacks %q", w)
						}
					}
					if b.is != nil && !errors.Is(err, b.is) {
						t.Errorf("error is not %v", b.is)
					}
					var pe *source.ParseError
					switch {
					case b.pos != "":
						wantFile := strings.TrimSuffix(file, ".gz")
						if !errors.As(err, &pe) {
							t.Errorf("not a *source.ParseError (%T)", err)
						} else if pe.File != wantFile || !strings.HasPrefix(pe.Pos, b.pos) {
							t.Errorf("parse error at file %q pos %q, want file %q pos %q…", pe.File, pe.Pos, wantFile, b.pos)
						}
					default:
						// Refused by the downloader: the error says which URL.
						if !strings.Contains(msg, "download "+u+": ") {
							t.Errorf("error does not name the URL %s", u)
						}
					}
					if b.is == fetch.ErrTooLarge {
						// Refused before reading, or while inflating: never
						// by holding the whole thing in memory.
						if took > 5*time.Second {
							t.Errorf("took %v to refuse", took)
						}
						if n := srv.requests.Load(); n != 1 {
							t.Errorf("%d requests: too large is not retried", n)
						}
					}
					before.check(t, in.Store, g.list)
				})
			}
		})
	}
}

// TestFetchBombMemory: refusing a gzip bomb costs about the cap in memory,
// not what the bomb would inflate to (1 GiB). Not parallel: it reads the
// process's allocation counter.
func TestFetchBombMemory(t *testing.T) {
	ctx := context.Background()
	srv := newFaultServer(t)
	in := newIngester(t)
	l := ofacSDN(t)
	dl := &fetch.Downloader{MaxBytes: faultMaxBytes, Retries: -1}
	bomb := gzipBomb(t, 1<<30)
	for _, kv := range [][]string{{"Content-Encoding", "gzip"}, {"Content-Type", "application/gzip"}} {
		t.Run(kv[0], func(t *testing.T) {
			srv.handle(serveBytes(bomb, kv...))
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			_, err := in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{srv.URL + "/sdn.csv"}, Downloader: dl})
			runtime.ReadMemStats(&m1)
			if !errors.Is(err, fetch.ErrTooLarge) {
				t.Fatalf("error %v, want too large", err)
			}
			alloc := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("allocated %d MiB refusing a 1 GiB bomb with a %d MiB cap", alloc>>20, faultMaxBytes>>20)
			if alloc > 8*faultMaxBytes {
				t.Errorf("allocated %d MiB: the bomb was inflated past the cap", alloc>>20)
			}
		})
	}
}

// resetMidBody sends headers promising all of data and half of it, then
// resets the connection.
func resetMidBody(data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n", len(data))
		buf.Write(data[:len(data)/2])
		buf.Flush()
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}
}

// steps answers the nth request with steps[n], repeating the last.
func steps(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, http.StatusText(code), code)
	}
}

// TestFetchFaults: a server that fails, resets or stalls. A failure worth
// retrying is retried with backoff; a publication is stored only once it
// arrived whole; whatever else happens, the error names the list and the
// URL and nothing is stored.
func TestFetchFaults(t *testing.T) {
	v1 := read(t, "ofac/constructed/2025-06-30.sdn.xml")
	v2 := read(t, "ofac/constructed/2025-11-19.sdn.xml")
	stall := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(v2)))
		w.WriteHeader(http.StatusOK)
		w.Write(v2[:len(v2)/3])
		w.(http.Flusher).Flush()
		select { // 30 s, or until the client gives up
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}
	ok := serveBytes(v2, "Content-Type", "application/xml")
	tests := []struct {
		name     string
		serve    http.HandlerFunc
		dl       fetch.Downloader
		requests int32
		// stored: v2 is stored, with its 3 additions (ofac/constructed/CHANGES.md).
		stored   bool
		want     []string
		is       error
		ceilings []time.Duration // the waits between attempts, each in [0, ceiling]
	}{
		{name: "500 three times, then the file", serve: steps(status(500), status(500), status(500), ok),
			dl: fetch.Downloader{Retries: 3, Backoff: 100 * time.Millisecond}, requests: 4, stored: true,
			ceilings: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}},
		{name: "500 more times than retries", serve: status(500),
			dl: fetch.Downloader{Retries: 2, Backoff: 100 * time.Millisecond}, requests: 3,
			want:     []string{"after 3 attempts: 500 Internal Server Error"},
			ceilings: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{name: "connection reset mid-body, then the file", serve: steps(resetMidBody(v2), ok),
			dl: fetch.Downloader{Retries: 2, Backoff: 100 * time.Millisecond}, requests: 2, stored: true,
			ceilings: []time.Duration{100 * time.Millisecond}},
		{name: "connection reset mid-body every time", serve: resetMidBody(v2),
			dl: fetch.Downloader{Retries: 2, Backoff: 100 * time.Millisecond}, requests: 3,
			want:     []string{"after 3 attempts: reading body:", fmt.Sprintf("(after %d of %d bytes)", len(v2)/2, len(v2))},
			ceilings: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{name: "stalls for 30 s", serve: stall,
			dl: fetch.Downloader{Retries: 1, Timeout: 200 * time.Millisecond, Backoff: 100 * time.Millisecond}, requests: 2,
			want: []string{"after 2 attempts: attempt timed out after 200ms"}, is: context.DeadlineExceeded,
			ceilings: []time.Duration{100 * time.Millisecond}},
		{name: "400 is not retried", serve: status(400), dl: fetch.Downloader{Retries: 3}, requests: 1, want: []string{": 400 Bad Request"}},
		{name: "401 is not retried", serve: status(401), dl: fetch.Downloader{Retries: 3}, requests: 1, want: []string{": 401 Unauthorized"}},
		{name: "403 is not retried", serve: status(403), dl: fetch.Downloader{Retries: 3}, requests: 1, want: []string{": 403 Forbidden"}},
		{name: "404 is not retried", serve: status(404), dl: fetch.Downloader{Retries: 3}, requests: 1, want: []string{": 404 Not Found"}},
		{name: "410 is not retried", serve: status(410), dl: fetch.Downloader{Retries: 3}, requests: 1, want: []string{": 410 Gone"}},
		{name: "500 with a garbled error page", serve: func(w http.ResponseWriter, r *http.Request) {
			// Bytes whose lower-cased form is longer than they are, before
			// a title: quoting them once cost the process a panic.
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(strings.Repeat("\x80", 40) + "<title>Fehler</title>"))
		}, dl: fetch.Downloader{Retries: -1}, requests: 1, want: []string{`: 500 Internal Server Error: "Fehler"`}},
		{name: "503 then 404 stops at the 404", serve: steps(status(503), status(404)),
			dl: fetch.Downloader{Retries: 3, Backoff: 100 * time.Millisecond}, requests: 2, want: []string{"attempt 2: 404 Not Found"},
			ceilings: []time.Duration{100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := newFaultServer(t)
			in := newIngester(t)
			l := ofacSDN(t)
			u := srv.URL + "/SDN.XML"
			srv.handle(serveBytes(v1))
			if _, err := in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{u}, Downloader: &fetch.Downloader{Retries: -1}}); err != nil {
				t.Fatal(err)
			}
			before := stateOf(t, in.Store, l.Name)

			srv.handle(tt.serve)
			sleeps := &recordedSleeps{}
			dl := tt.dl
			dl.Sleep = sleeps.sleep
			start := time.Now()
			res, err := in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{u}, Downloader: &dl})
			took := time.Since(start)
			if n := srv.requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			got := sleeps.got()
			if len(got) != len(tt.ceilings) {
				t.Errorf("waits %v, want %d of them", got, len(tt.ceilings))
			}
			for i := range min(len(got), len(tt.ceilings)) {
				if got[i] < 0 || got[i] > tt.ceilings[i] {
					t.Errorf("wait %d = %v, want within [0, %v]: exponential backoff with jitter", i+1, got[i], tt.ceilings[i])
				}
			}
			if tt.stored {
				if err != nil {
					t.Fatal(err)
				}
				if !res.Save.Created || len(res.Save.Changes) != 3 {
					t.Errorf("created %v with %d changes, want the 3 CYBER4 additions", res.Save.Created, len(res.Save.Changes))
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if msg := err.Error(); !strings.HasPrefix(msg, l.Name+": download "+u+": ") {
				t.Errorf("error %q does not start with the list and the URL", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q", w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error is not %v", tt.is)
			}
			if tt.is == context.DeadlineExceeded && took > 5*time.Second {
				t.Errorf("took %v: the per-attempt timeout did not stop the stall", took)
			}
			before.check(t, in.Store, l.Name)
		})
	}
}

// TestFetchQuarantinesMostlyMissingList: a publication that lost 90% of
// its entries but is otherwise well formed cannot be told from delistings
// by any parser (an OFAC CSV has no record count; an EU XML cut between
// records and closed again is valid). The guards store it quarantined:
// the latest snapshot stays the good one, nothing is announced but one
// operator notice, and its raw file is kept, byte for byte, for review.
func TestFetchQuarantinesMostlyMissingList(t *testing.T) {
	sdnCSV := read(t, "ofac/sdn-csv/2024-05-03.sdn.csv")
	euXML := read(t, "eu/fsf/2020-10-22.xml")
	// The first tenth of the CSV's lines, ended as OFAC ends the file.
	lines := bytes.SplitAfter(bytes.TrimRight(sdnCSV, "\x1a"), []byte("\r\n"))
	sdnTenth := append(bytes.Join(lines[:len(lines)/10], nil), 0x1a)
	// The EU file's first three of 29 entities, its root closed again.
	third := 0
	for range 3 {
		third += bytes.Index(euXML[third:], []byte("</sanctionEntity>")) + len("</sanctionEntity>")
	}
	euThree := slices.Concat(euXML[:third], []byte("\n</export>\n"))

	tests := []struct {
		list, good, file string
		body             []byte
		wantCount        int
	}{
		{"ofac-sdn", "ofac/sdn-csv/2024-03-05.sdn.csv", "2024-05-03.sdn.csv", sdnTenth, len(lines) / 10},
		{"eu-fsf", "eu/fsf/2020-07-30.xml", "2020-10-22.xml", euThree, 3},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			ctx := context.Background()
			in := newIngester(t)
			in.Guards = func(string) store.Guards { return store.Guards{MaxRemovedShare: 0.05} }
			in.RawRetention = 30
			var notices []*store.SaveResult
			in.AfterSave = func(ctx context.Context, tx *sql.Tx, res *store.SaveResult) error {
				if res.Quarantined() {
					notices = append(notices, res)
				}
				return nil
			}
			l, err := lists.Lookup(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := in.Ingest(ctx, Request{List: l, AsOf: "2020-01-01", Files: []source.RawFile{{Name: filepath.Base(tt.good), Data: read(t, tt.good)}}}); err != nil {
				t.Fatal(err)
			}
			before := stateOf(t, in.Store, tt.list)

			srv := newFaultServer(t)
			srv.handle(serveBytes(tt.body))
			dl := &fetch.Downloader{Retries: -1}
			u := srv.URL + "/" + tt.list + "/" + tt.file
			res, err := in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{u}, Downloader: dl})
			if err != nil {
				t.Fatal(err)
			}
			sn := res.Save.Snapshot
			if !res.Save.Created || !res.Save.Quarantined() || sn.EntityCount != tt.wantCount {
				t.Fatalf("stored %s (%s, %d entities), want a new quarantined snapshot of %d entities", sn.Label(), sn.Status, sn.EntityCount, tt.wantCount)
			}
			t.Log(sn.Note)
			if !strings.Contains(sn.Note, "would be removed") {
				t.Errorf("reason %q does not say entities would be removed", sn.Note)
			}
			if latest, _ := in.Store.Latest(ctx, tt.list); latest.ID != before.latest.ID {
				t.Errorf("latest is %s, want the good %s", latest.Label(), before.latest.Label())
			}
			if len(notices) != 1 {
				t.Errorf("%d quarantine notices planned, want 1", len(notices))
			}
			raw, err := in.Store.RawFiles(ctx, sn.ID)
			if err != nil || len(raw) != 1 {
				t.Fatalf("raw files = %v, %v", raw, err)
			}
			if data, err := raw[0].Data(); err != nil || !bytes.Equal(data, tt.body) {
				t.Errorf("kept raw file differs from what was served (err %v)", err)
			}

			// Served again (no validators: a fresh download), it is
			// neither stored nor announced again.
			res, err = in.FetchConditional(ctx, FetchRequest{List: l, URLs: []string{u}, Downloader: dl})
			if err != nil {
				t.Fatal(err)
			}
			if res.Save.Created || res.Save.Snapshot.ID != sn.ID || len(notices) != 1 {
				t.Errorf("again: created %v snapshot %s, %d notices; want nothing new", res.Save.Created, res.Save.Snapshot.Label(), len(notices))
			}
		})
	}
}
