package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/redact"
	"github.com/cybersanctions/tracker/internal/shareddata"
)

const (
	dlSDNCSV = "ofac/sdn-csv/2024-05-03.sdn.csv"
	dlEUXML  = "eu/fsf/2020-07-30.xml"
)

func dlReadShared(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dlGzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dlSleeps records the Downloader's waits instead of waiting.
type dlSleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *dlSleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *dlSleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// dlStep answers one request; a server runs its steps in turn and repeats
// the last one.
type dlStep func(w http.ResponseWriter, r *http.Request)

type dlServer struct {
	*httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	headers  []http.Header // request headers, in order
}

func newDLServer(t testing.TB, steps ...dlStep) *dlServer {
	t.Helper()
	s := &dlServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.requests.Add(1))
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		steps[min(n, len(steps))-1](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *dlServer) header(i int) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[i]
}

func dlStatus(code int, body string, kv ...string) dlStep {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// dlServe answers like a static file server: validators, 304 to a matching
// If-None-Match, Content-Length.
func dlServe(data []byte, etag string, kv ...string) dlStep {
	modtime := time.Date(2024, 5, 3, 14, 0, 0, 0, time.UTC)
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "", modtime, bytes.NewReader(data))
	}
}

// dlCut hijacks the connection, sends headers promising all of data and
// half of it, then closes the connection — with a TCP reset if reset.
func dlCut(data []byte, reset bool) dlStep {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n", len(data))
		buf.Write(data[:len(data)/2])
		buf.Flush()
		if reset {
			conn.(*net.TCPConn).SetLinger(0)
		}
		conn.Close()
	}
}

// dlHangUp closes the connection before any response.
func dlHangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// dlStall sends what before, then nothing until the client goes away (or
// 30 s pass).
func dlStall(before func(w http.ResponseWriter)) dlStep {
	return func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w)
			http.NewResponseController(w).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}
}

func TestGetConditional(t *testing.T) {
	sdn := dlReadShared(t, dlSDNCSV)
	eu := dlReadShared(t, dlEUXML)
	tests := map[string]struct {
		path     string // request path and query
		steps    []dlStep
		wantName string
		want     []byte
		wantVal  Validators
	}{
		"OFAC sdn.csv": {
			path:     "/downloads/2024-05-03.sdn.csv",
			steps:    []dlStep{dlServe(sdn, `"sdn-1"`, "Content-Type", "text/csv")},
			wantName: "2024-05-03.sdn.csv",
			want:     sdn,
			wantVal:  Validators{ETag: `"sdn-1"`, LastModified: "Fri, 03 May 2024 14:00:00 GMT"},
		},
		"EU content?token with Content-Disposition": {
			path: "/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=SECRET123",
			steps: []dlStep{func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("token") != "SECRET123" {
					http.Error(w, "bad token", http.StatusForbidden)
					return
				}
				dlServe(eu, `W/"eu-7"`, "Content-Type", "text/xml",
					"Content-Disposition", `attachment; filename="20200730-FULL-1_1(xsd).xml"`)(w, r)
			}},
			wantName: "20200730-FULL-1_1(xsd).xml",
			want:     eu,
			wantVal:  Validators{ETag: `W/"eu-7"`, LastModified: "Fri, 03 May 2024 14:00:00 GMT"},
		},
		"Content-Encoding gzip": {
			path: "/sdn.csv",
			steps: []dlStep{func(w http.ResponseWriter, r *http.Request) {
				if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
					http.Error(w, "want gzip", http.StatusBadRequest)
					return
				}
				dlServe(dlGzip(t, sdn), `"gz"`, "Content-Encoding", "gzip", "Content-Type", "text/csv")(w, r)
			}},
			wantName: "sdn.csv",
			want:     sdn,
			wantVal:  Validators{ETag: `"gz"`, LastModified: "Fri, 03 May 2024 14:00:00 GMT"},
		},
		"a .gz file is decompressed": {
			path:     "/archive/2020-07-30.xml.gz",
			steps:    []dlStep{dlServe(dlGzip(t, eu), `"xgz"`, "Content-Type", "application/gzip")},
			wantName: "2020-07-30.xml",
			want:     eu,
			wantVal:  Validators{ETag: `"xgz"`, LastModified: "Fri, 03 May 2024 14:00:00 GMT"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newDLServer(t, tt.steps...)
			d := &Downloader{UserAgent: "tracker-test/1", Sleep: (&dlSleeps{}).sleep}
			u := srv.URL + tt.path

			dl, err := d.Get(t.Context(), u, Validators{})
			if err != nil {
				t.Fatal(err)
			}
			if dl.NotModified {
				t.Fatal("NotModified on an unconditional request")
			}
			if sha256.Sum256(dl.File.Data) != sha256.Sum256(tt.want) {
				t.Errorf("body: %d bytes, differs from the %d-byte file", len(dl.File.Data), len(tt.want))
			}
			if dl.File.Name != tt.wantName {
				t.Errorf("Name = %q, want %q", dl.File.Name, tt.wantName)
			}
			if dl.File.Origin != redact.URL(u) || strings.Contains(dl.File.Origin, "SECRET123") {
				t.Errorf("Origin = %q, want %q", dl.File.Origin, redact.URL(u))
			}
			if dl.Validators != tt.wantVal {
				t.Errorf("Validators = %+v, want %+v", dl.Validators, tt.wantVal)
			}
			if ua := srv.header(0).Get("User-Agent"); ua != "tracker-test/1" {
				t.Errorf("User-Agent sent = %q", ua)
			}

			again, err := d.Get(t.Context(), u, dl.Validators)
			if err != nil {
				t.Fatal(err)
			}
			if !again.NotModified || again.File.Data != nil {
				t.Errorf("second request: NotModified = %v with %d bytes, want a 304", again.NotModified, len(again.File.Data))
			}
			h := srv.header(1)
			if h.Get("If-None-Match") != tt.wantVal.ETag || h.Get("If-Modified-Since") != tt.wantVal.LastModified {
				t.Errorf("second request sent If-None-Match %q, If-Modified-Since %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
			}
			if n := srv.requests.Load(); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

func TestGetRetries(t *testing.T) {
	sdn := dlReadShared(t, dlSDNCSV)
	ok := dlServe(sdn, `"1"`)
	e500 := dlStatus(500, "database on fire")
	soon := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	tests := map[string]struct {
		d        Downloader
		steps    []dlStep
		requests int32
		wantErr  string          // "" = success with the whole file
		sleeps   []time.Duration // exact waits, when set
		ceilings []time.Duration // else each wait must lie in [0, ceiling]
	}{
		"500 three times then the file": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{e500, e500, e500, ok},
			requests: 4,
			ceilings: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second},
		},
		"500 forever": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{e500},
			requests: 4,
			wantErr:  `after 4 attempts: 500 Internal Server Error: "database on fire"`,
			ceilings: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second},
		},
		"502 forever, backoff capped at a minute": {
			d:        Downloader{Retries: 3, Backoff: 45 * time.Second},
			steps:    []dlStep{dlStatus(502, "")},
			requests: 4,
			wantErr:  "after 4 attempts: 502 Bad Gateway",
			ceilings: []time.Duration{45 * time.Second, time.Minute, time.Minute},
		},
		"503 with one retry": {
			d:        Downloader{Retries: 1, Backoff: 10 * time.Millisecond},
			steps:    []dlStep{dlStatus(503, "")},
			requests: 2,
			wantErr:  "after 2 attempts: 503 Service Unavailable",
			ceilings: []time.Duration{10 * time.Millisecond},
		},
		"no retries": {
			d:        Downloader{Retries: -1},
			steps:    []dlStep{e500},
			requests: 1,
			wantErr:  `: 500 Internal Server Error: "database on fire"`,
		},
		"404 is not retried": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlStatus(404, "<html><head><title>404 – Page not found</title></head><body>...</body></html>", "Content-Type", "text/html")},
			requests: 1,
			wantErr:  `: 404 Not Found: "404 – Page not found"`,
		},
		"403 after a 500 stops": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{e500, dlStatus(403, "Forbidden\r\n\x00\x01 by policy")},
			requests: 2,
			wantErr:  `attempt 2: 403 Forbidden: "Forbidden by policy"`,
			ceilings: []time.Duration{2 * time.Second},
		},
		"429 Retry-After seconds": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlStatus(429, "", "Retry-After", "1"), ok},
			requests: 2,
			sleeps:   []time.Duration{time.Second},
		},
		"429 Retry-After capped": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlStatus(429, "", "Retry-After", "3600"), ok},
			requests: 2,
			sleeps:   []time.Duration{time.Minute},
		},
		"503 Retry-After HTTP-date": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlStatus(503, "", "Retry-After", soon), ok},
			requests: 2,
			ceilings: []time.Duration{10 * time.Second}, // and at least 8 s, below
		},
		"connection closed mid-body": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlCut(sdn, false), ok},
			requests: 2,
			ceilings: []time.Duration{2 * time.Second},
		},
		"connection reset mid-body": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlCut(sdn, true), ok},
			requests: 2,
			ceilings: []time.Duration{2 * time.Second},
		},
		"connection closed before a response": {
			d:        Downloader{Retries: 3},
			steps:    []dlStep{dlHangUp, dlHangUp, ok},
			requests: 3,
			ceilings: []time.Duration{2 * time.Second, 4 * time.Second},
		},
		"cut short every time": {
			d:        Downloader{Retries: 1},
			steps:    []dlStep{dlCut(sdn, false)},
			requests: 2,
			wantErr:  fmt.Sprintf("after 2 attempts: reading body: unexpected EOF (after %d of %d bytes)", len(sdn)/2, len(sdn)),
			ceilings: []time.Duration{2 * time.Second},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newDLServer(t, tt.steps...)
			rec := &dlSleeps{}
			d := tt.d
			d.Sleep = rec.sleep
			u := srv.URL + "/sdn.csv"
			dl, err := d.Get(t.Context(), u, Validators{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(dl.File.Data, sdn) {
					t.Errorf("got %d bytes, want the %d-byte file", len(dl.File.Data), len(sdn))
				}
			} else {
				if err == nil {
					t.Fatal("no error")
				}
				t.Log(err)
				if msg := err.Error(); !strings.HasPrefix(msg, "download "+u+": ") || !strings.Contains(msg, tt.wantErr) {
					t.Errorf("error %q\nwant prefix %q and %q", msg, "download "+u+": ", tt.wantErr)
				}
			}
			if n := srv.requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			got := rec.got()
			if tt.sleeps != nil && fmt.Sprint(got) != fmt.Sprint(tt.sleeps) {
				t.Errorf("waits %v, want %v", got, tt.sleeps)
			}
			if tt.sleeps == nil {
				if len(got) != len(tt.ceilings) {
					t.Fatalf("waits %v, want %d of them", got, len(tt.ceilings))
				}
				for i, c := range tt.ceilings {
					if got[i] < 0 || got[i] > c {
						t.Errorf("wait %d = %v, want within [0, %v]", i+1, got[i], c)
					}
				}
			}
			if name == "503 Retry-After HTTP-date" && got[0] < 8*time.Second {
				t.Errorf("wait %v, want about 10 s as the date says", got[0])
			}
		})
	}
}

func TestGetTimeout(t *testing.T) {
	headers := func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
	}
	halfBody := func(w http.ResponseWriter) {
		headers(w)
		io.WriteString(w, strings.Repeat("x", 500))
	}
	tests := map[string]dlStep{
		"no response":                 dlStall(nil),
		"headers, then nothing":       dlStall(headers),
		"half the body, then nothing": dlStall(halfBody),
	}
	for name, st := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newDLServer(t, st)
			rec := &dlSleeps{}
			d := &Downloader{Timeout: 200 * time.Millisecond, Retries: 2, Sleep: rec.sleep}
			start := time.Now()
			_, err := d.Get(t.Context(), srv.URL+"/sdn.csv", Validators{})
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v, want about 3 × 200ms", took)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "after 3 attempts: attempt timed out after 200ms") {
				t.Errorf("error %q, want a timeout after 3 attempts", err)
			}
			if n := srv.requests.Load(); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			if len(rec.got()) != 2 {
				t.Errorf("waits %v, want 2", rec.got())
			}
		})
	}
}

func TestGetCancel(t *testing.T) {
	t.Run("mid-body", func(t *testing.T) {
		started := make(chan struct{})
		srv := newDLServer(t, dlStall(func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100000")
			w.WriteHeader(200)
			io.WriteString(w, strings.Repeat("a,b\n", 1000))
			close(started)
		}))
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-started
			time.Sleep(20 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		d := &Downloader{Timeout: time.Minute}
		_, err := d.Get(ctx, srv.URL+"/sdn.csv", Validators{})
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %v to notice the cancel", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if n := srv.requests.Load(); n != 1 {
			t.Errorf("%d requests after the cancel, want 1", n)
		}
	})
	t.Run("during the wait before a retry", func(t *testing.T) {
		srv := newDLServer(t, dlStatus(503, "", "Retry-After", "30"))
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := (&Downloader{Retries: 3}).Get(ctx, srv.URL+"/sdn.csv", Validators{})
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %v: the default Sleep ignored the context", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "gave up after 1 attempt, last: 503 Service Unavailable") {
			t.Errorf("error %q", err)
		}
	})
	t.Run("before the first attempt", func(t *testing.T) {
		srv := newDLServer(t, dlStatus(200, "x"))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := (&Downloader{}).Get(ctx, srv.URL+"/sdn.csv", Validators{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if n := srv.requests.Load(); n != 0 {
			t.Errorf("%d requests with a cancelled context", n)
		}
	})
}

// dlGzipBomb is 64 MiB of zeros in 64 KiB of gzip.
var dlGzipBomb = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
})

func TestGetTooLarge(t *testing.T) {
	sdn := dlReadShared(t, dlSDNCSV)
	chunked := func(w http.ResponseWriter, r *http.Request) {
		for b := sdn; len(b) > 0; b = b[min(len(b), 32<<10):] {
			w.Write(b[:min(len(b), 32<<10)])
			http.NewResponseController(w).Flush()
		}
	}
	tests := map[string]struct {
		maxBytes int64
		step     dlStep
		wantErr  string
		memory   bool // check that memory stays bounded
	}{
		"Content-Length 2 GiB": {
			step: dlStall(func(w http.ResponseWriter) {
				w.Header().Set("Content-Length", "2147483648")
				w.WriteHeader(200)
			}),
			wantErr: "response body too large (Content-Length 2147483648 > limit 536870912 bytes)",
		},
		"chunked body over the cap": {
			maxBytes: 64 << 10,
			step:     chunked,
			wantErr:  "response body too large (more than 65536 bytes)",
		},
		"one byte over the cap": {
			maxBytes: int64(len(sdn)) - 1,
			step:     dlServe(sdn, `"1"`),
			wantErr:  fmt.Sprintf("response body too large (Content-Length %d > limit %d bytes)", len(sdn), len(sdn)-1),
		},
		"gzip bomb, Content-Encoding": {
			maxBytes: 1 << 20,
			step:     dlStatus(200, string(dlGzipBomb()), "Content-Encoding", "gzip"),
			wantErr:  "response body too large (more than 1048576 bytes after gzip decompression)",
			memory:   true,
		},
		"gzip bomb, .gz file": {
			maxBytes: 1 << 20,
			step:     dlStatus(200, string(dlGzipBomb()), "Content-Type", "application/gzip"),
			wantErr:  "response body too large (more than 1048576 bytes after gzip decompression)",
			memory:   true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			// Not parallel: the memory check reads process-wide counters.
			srv := newDLServer(t, tt.step)
			d := &Downloader{MaxBytes: tt.maxBytes, Sleep: (&dlSleeps{}).sleep}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := d.Get(t.Context(), srv.URL+"/sdn.csv", Validators{})
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if n := srv.requests.Load(); n != 1 {
				t.Errorf("%d requests, want 1: too large is not retried", n)
			}
			if took > time.Second {
				t.Errorf("took %v", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; tt.memory {
				t.Logf("allocated %d KiB", alloc>>10)
				if alloc > 4<<20 {
					t.Errorf("allocated %d MiB for a 1 MiB cap", alloc>>20)
				}
			}
		})
	}
}

func TestGetRejectsContent(t *testing.T) {
	tests := map[string]struct {
		step    dlStep
		wantErr string
		is      error
	}{
		"HTML page by Content-Type": {
			step: dlStatus(200, "<!DOCTYPE html><html><head><title>Service Unavailable – scheduled maintenance</title></head><body>Back soon</body></html>",
				"Content-Type", "text/html; charset=utf-8"),
			wantErr: `got an HTML page, not a list file (Content-Type text/html; charset=utf-8, "Service Unavailable – scheduled maintenance")`,
			is:      ErrHTMLPage,
		},
		"HTML page by content, after a BOM and blanks": {
			step:    dlStatus(200, "\xef\xbb\xbf\r\n  <!doctype HTML>\n<html><body>Login required</body></html>", "Content-Type", "application/octet-stream"),
			wantErr: `got an HTML page, not a list file ("Login required")`,
			is:      ErrHTMLPage,
		},
		"bare <HTML> served as text/csv": {
			step:    dlStatus(200, "<HTML><BODY>oops</BODY></HTML>", "Content-Type", "text/csv"),
			wantErr: `got an HTML page, not a list file ("oops")`,
			is:      ErrHTMLPage,
		},
		"empty body": {
			step:    dlStatus(200, "", "Content-Type", "text/csv"),
			wantErr: ": empty response body",
			is:      ErrEmpty,
		},
		"empty body, Content-Encoding gzip": {
			step:    dlStatus(200, "", "Content-Encoding", "gzip"),
			wantErr: ": empty response body",
			is:      ErrEmpty,
		},
		"empty gzip body": {
			step:    dlStatus(200, string(dlGzip(t, nil)), "Content-Encoding", "gzip"),
			wantErr: ": empty response body",
			is:      ErrEmpty,
		},
		"corrupt gzip": {
			step:    dlStatus(200, "\x1f\x8b\x08\x00garbage-garbage-garbage", "Content-Encoding", "gzip"),
			wantErr: "reading body: Content-Encoding gzip: flate: corrupt input",
		},
		"unknown Content-Encoding": {
			step:    dlStatus(200, "abc", "Content-Encoding", "br"),
			wantErr: `unsupported Content-Encoding "br"`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newDLServer(t, tt.step)
			d := &Downloader{Sleep: (&dlSleeps{}).sleep}
			_, err := d.Get(t.Context(), srv.URL+"/list.csv", Validators{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v) is false", tt.is)
			}
			if n := srv.requests.Load(); n != 1 {
				t.Errorf("%d requests, want 1: not retried", n)
			}
		})
	}
}

func TestGetRedirects(t *testing.T) {
	sdn := dlReadShared(t, dlSDNCSV)
	// /r/N/sdn.csv redirects to /r/N-1/sdn.csv; /r/0/sdn.csv is the file.
	hops := func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/r/"):
			n, _ := strconv.Atoi(strings.Split(r.URL.Path, "/")[2])
			if n == 0 {
				dlServe(sdn, `"1"`)(w, r)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/r/%d/sdn.csv?token=SECRET123", n-1), http.StatusFound)
		case r.URL.Path == "/lists/sdn.csv":
			http.Redirect(w, r, "/blobs/7f3a9c", http.StatusMovedPermanently)
		case r.URL.Path == "/blobs/7f3a9c":
			dlServe(sdn, `"1"`)(w, r)
		case r.URL.Path == "/content":
			http.Redirect(w, r, "/files/20240503-FULL.xml", http.StatusTemporaryRedirect)
		case r.URL.Path == "/files/20240503-FULL.xml":
			dlServe(sdn, `"1"`)(w, r)
		default:
			http.NotFound(w, r)
		}
	}
	tests := map[string]struct {
		path         string
		maxRedirects int
		requests     int32
		wantName     string
		wantErr      string
	}{
		"5 redirects, default limit":   {path: "/r/5/sdn.csv", requests: 6, wantName: "sdn.csv"},
		"6 redirects, default limit":   {path: "/r/6/sdn.csv", requests: 6, wantErr: "stopped after 5 redirects (limit 5), next was {srv}/r/0/sdn.csv?token=REDACTED"},
		"2 redirects, limit 1":         {path: "/r/2/sdn.csv", maxRedirects: 1, requests: 2, wantErr: "stopped after 1 redirects (limit 1)"},
		"no redirects allowed":         {path: "/r/1/sdn.csv", maxRedirects: -1, requests: 1, wantErr: "stopped after 0 redirects (limit 0)"},
		"to a blob: configured name":   {path: "/lists/sdn.csv", requests: 2, wantName: "sdn.csv"},
		"from content: the final name": {path: "/content?token=SECRET123", requests: 2, wantName: "20240503-FULL.xml"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newDLServer(t, hops)
			d := &Downloader{MaxRedirects: tt.maxRedirects, Sleep: (&dlSleeps{}).sleep}
			dl, err := d.Get(t.Context(), srv.URL+tt.path, Validators{})
			if n := srv.requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "{srv}", srv.URL)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want %q", err, want)
				}
				t.Log(err)
				if strings.Contains(err.Error(), "SECRET123") {
					t.Errorf("error leaks the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dl.File.Name != tt.wantName || !bytes.Equal(dl.File.Data, sdn) {
				t.Errorf("Name %q with %d bytes, want %q with %d", dl.File.Name, len(dl.File.Data), tt.wantName, len(sdn))
			}
		})
	}

	t.Run("https to http refused", func(t *testing.T) {
		plain := newDLServer(t, dlServe(sdn, `"1"`))
		tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/sdn.csv", http.StatusFound))
		t.Cleanup(tlsSrv.Close)
		d := &Downloader{Client: tlsSrv.Client(), Sleep: (&dlSleeps{}).sleep}
		_, err := d.Get(t.Context(), tlsSrv.URL+"/sdn.csv", Validators{})
		if err == nil || !strings.Contains(err.Error(), "refusing redirect from https to "+plain.URL+"/sdn.csv") {
			t.Fatalf("error %v", err)
		}
		if n := plain.requests.Load(); n != 0 {
			t.Errorf("the http server got %d requests", n)
		}
	})
}

func TestGetFile(t *testing.T) {
	sdnPath := shareddata.Path(t, dlSDNCSV)
	sdn := dlReadShared(t, dlSDNCSV)
	eu := dlReadShared(t, dlEUXML)
	dir := t.TempDir()
	gz := filepath.Join(dir, "2020-07-30.xml.gz")
	empty := filepath.Join(dir, "empty.csv")
	for p, b := range map[string][]byte{gz: dlGzip(t, eu), empty: nil} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fileURL := (&url.URL{Scheme: "file", Path: sdnPath}).String()
	tests := map[string]struct {
		url      string
		maxBytes int64
		wantName string
		want     []byte
		wantErr  string
	}{
		"file URL":           {url: fileURL, wantName: "2024-05-03.sdn.csv", want: sdn},
		"file://localhost":   {url: "file://localhost" + sdnPath, wantName: "2024-05-03.sdn.csv", want: sdn},
		"plain path":         {url: sdnPath, wantName: "2024-05-03.sdn.csv", want: sdn},
		"gzip file":          {url: "file://" + gz, wantName: "2020-07-30.xml", want: eu},
		"over the cap":       {url: fileURL, maxBytes: 1000, wantErr: fmt.Sprintf("file too large (%d bytes > limit 1000 bytes)", len(sdn))},
		"gzip over the cap":  {url: gz, maxBytes: int64(len(eu)) - 1, wantErr: fmt.Sprintf("file too large (more than %d bytes after gzip decompression)", len(eu)-1)},
		"missing":            {url: "file://" + dir + "/nope.csv", wantErr: "no such file or directory"},
		"directory":          {url: "file://" + dir, wantErr: "is not a regular file"},
		"empty":              {url: empty, wantErr: ": empty file"},
		"remote host":        {url: "file://fileserver/share/sdn.csv", wantErr: `file URL with host "fileserver": only local files can be read`},
		"unsupported scheme": {url: "ftp://ftp.example.org/sdn.csv", wantErr: `unsupported URL scheme "ftp" (want http, https or file)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := &Downloader{MaxBytes: tt.maxBytes}
			dl, err := d.Get(t.Context(), tt.url, Validators{ETag: `"ignored"`})
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), "download "+tt.url+": ") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dl.File.Name != tt.wantName || dl.File.Origin != tt.url || sha256.Sum256(dl.File.Data) != sha256.Sum256(tt.want) {
				t.Errorf("got %q from %q, %d bytes; want %q, %d bytes", dl.File.Name, dl.File.Origin, len(dl.File.Data), tt.wantName, len(tt.want))
			}
			if dl.NotModified || dl.Validators != (Validators{}) {
				t.Errorf("a local file has no validators: %+v", dl)
			}
		})
	}
}

func TestGetErrorsHideSecrets(t *testing.T) {
	secrets := []string{"SECRET123", "hunter2pw", "alice-user", "SIGVALUE99"}
	echo := func(w http.ResponseWriter, r *http.Request) {
		// A server that quotes the request back, secrets and all.
		user, pass, _ := r.BasicAuth()
		http.Error(w, "no such list: "+r.URL.String()+" for "+user+":"+pass, http.StatusNotFound)
	}
	loop := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/again?token=SECRET123&X-Amz-Signature=SIGVALUE99", http.StatusFound)
	}
	htmlEcho := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><title>Invalid token %s</title></html>", r.URL.Query().Get("token"))
	}
	live := func(t *testing.T, st dlStep) string {
		srv := newDLServer(t, st)
		return strings.Replace(srv.URL, "http://", "http://alice-user:hunter2pw@", 1)
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := strings.Replace(gone.URL, "http://", "http://alice-user:hunter2pw@", 1)
	gone.Close()

	const query = "/content?lang=en&token=SECRET123"
	tests := map[string]struct {
		base    func(t *testing.T) string
		path    string
		d       Downloader
		wantErr string
	}{
		"404 echoing the URL": {base: func(t *testing.T) string { return live(t, echo) }, path: query, wantErr: "404 Not Found"},
		"500 forever":         {base: func(t *testing.T) string { return live(t, dlStatus(500, "")) }, path: query, d: Downloader{Retries: 1}, wantErr: "after 2 attempts"},
		"redirect loop":       {base: func(t *testing.T) string { return live(t, loop) }, path: query, wantErr: "stopped after 5 redirects"},
		"HTML page":           {base: func(t *testing.T) string { return live(t, htmlEcho) }, path: query, wantErr: "got an HTML page"},
		"timeout":             {base: func(t *testing.T) string { return live(t, dlStall(nil)) }, path: query, d: Downloader{Retries: -1, Timeout: 50 * time.Millisecond}, wantErr: "timed out"},
		"connection refused":  {base: func(*testing.T) string { return goneURL }, path: query, d: Downloader{Retries: -1}, wantErr: "connection refused"},
		"bad escape":          {base: func(*testing.T) string { return "http://alice-user:hunter2pw@example.org" }, path: "/%zz?token=SECRET123", wantErr: "invalid URL"},
		"unsupported scheme":  {base: func(*testing.T) string { return "ftp://alice-user:hunter2pw@example.org" }, path: query, wantErr: "unsupported URL scheme"},
		"signed URL, too big": {base: func(t *testing.T) string { return live(t, dlStatus(200, strings.Repeat("x", 100))) }, path: "/f.csv?X-Amz-Credential=SIGVALUE99&X-Amz-Signature=SIGVALUE99", d: Downloader{MaxBytes: 10}, wantErr: "too large"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := tt.base(t) + tt.path
			d := tt.d
			d.Sleep = (&dlSleeps{}).sleep
			_, err := d.Get(t.Context(), raw, Validators{})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "download "+redact.URL(raw)+": ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q, want prefix %q and %q", msg, "download "+redact.URL(raw)+": ", tt.wantErr)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error leaks %s: %s", s, msg)
				}
			}
		})
	}
}

// BenchmarkGet downloads the 3.9 MB sdn.csv of 2024-05-03 from a local
// server, as is and gzip-encoded.
func BenchmarkGet(b *testing.B) {
	sdn := dlReadShared(b, dlSDNCSV)
	for name, st := range map[string]dlStep{
		"identity": dlServe(sdn, `"1"`),
		"gzip":     dlServe(dlGzip(b, sdn), `"1"`, "Content-Encoding", "gzip"),
	} {
		b.Run(name, func(b *testing.B) {
			srv := newDLServer(b, st)
			d := &Downloader{}
			b.SetBytes(int64(len(sdn)))
			b.ReportAllocs()
			for b.Loop() {
				dl, err := d.Get(b.Context(), srv.URL+"/sdn.csv", Validators{})
				if err != nil || len(dl.File.Data) != len(sdn) {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGet304WithoutValidators: a 304 is an answer to validators; to a
// request without them it is an error, whoever asks.
func TestGet304WithoutValidators(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	t.Cleanup(srv.Close)
	d := &Downloader{Retries: -1}
	if _, err := d.Get(t.Context(), srv.URL+"/SDN.XML", Validators{}); err == nil || !strings.Contains(err.Error(), "304 Not Modified to a request without validators") {
		t.Errorf("304 without validators: %v, want an error", err)
	}
	dl, err := d.Get(t.Context(), srv.URL+"/SDN.XML", Validators{ETag: `"v1"`})
	if err != nil || !dl.NotModified {
		t.Errorf("304 to If-None-Match: %+v, %v; want not modified", dl, err)
	}
}

func TestPauseWaitsMinWait(t *testing.T) {
	for _, tc := range []struct {
		min  time.Duration
		want []time.Duration
	}{
		{0, nil},
		{time.Minute, []time.Duration{time.Minute}},
	} {
		rec := &dlSleeps{}
		d := &Downloader{MinWait: tc.min, Sleep: rec.sleep}
		if err := d.Pause(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := rec.got(); !slices.Equal(got, tc.want) {
			t.Errorf("MinWait %v: waits %v, want %v", tc.min, got, tc.want)
		}
	}
}
