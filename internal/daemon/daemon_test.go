package daemon

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// publisher is a list publisher's web server: it serves one real list file
// with an ETag and Last-Modified, honours conditional requests the way
// net/http does, and can be told to fail.
type publisher struct {
	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	path        string // the file served
	status      int    // non-zero: answer this instead
	noValidator bool   // serve without ETag/Last-Modified, as some servers do
	requests    int
	conditional int // requests carrying If-None-Match or If-Modified-Since
	notModified int
}

func newPublisher(t testing.TB, rel string) *publisher {
	p := &publisher{t: t, path: shareddata.Path(t, rel)}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *publisher) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	path, status, noValidator := p.path, p.status, p.noValidator
	p.requests++
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		p.conditional++
	}
	p.mu.Unlock()
	if status != 0 {
		http.Error(w, "publisher trouble", status)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var mod time.Time
	if !noValidator {
		w.Header().Set("ETag", strconv.Quote(filepath.Base(path)))
		mod = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r, filepath.Base(path), mod, bytes.NewReader(data))
	if rec.status == http.StatusNotModified {
		p.mu.Lock()
		p.notModified++
		p.mu.Unlock()
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (p *publisher) set(f func(p *publisher)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *publisher) counts() (requests, conditional, notModified int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.conditional, p.notModified
}

// url is the file's URL, named as the publisher names it.
func (p *publisher) url() string { return p.srv.URL + "/SDN.XML" }

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	d       *Daemon
	st      *store.Store
	clock   *clock
	logs    *syncBuffer
	notices *[]OperatorNotice
}

func newFixture(t testing.TB, lists ...ListSpec) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)}
	st.Now = clk.Now
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var mu sync.Mutex
	notices := &[]OperatorNotice{}
	d := &Daemon{
		Lists:            lists,
		Store:            st,
		Ingester:         &ingest.Ingester{Store: st, Log: log},
		Log:              log,
		UserAgent:        "tracker-test",
		FailureThreshold: 3,
		Now:              clk.Now,
		SdNotify:         func(string) error { return nil },
		// The floor of one check a minute would stretch every test that
		// runs the schedule; tests of the floor set their own.
		minRequestGap: 10 * time.Millisecond,
		OperatorNotice: func(_ context.Context, _ *sql.Tx, n OperatorNotice) error {
			mu.Lock()
			defer mu.Unlock()
			*notices = append(*notices, n)
			return nil
		},
	}
	return &fixture{d: d, st: st, clock: clk, logs: logs, notices: notices}
}

func ofacSDN(t testing.TB, url, schedule string) ListSpec {
	l, err := lists.Lookup("ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	return ListSpec{List: l, URLs: []string{url}, Schedule: schedule, Timeout: 5 * time.Second}
}

func ofacConsolidated(t testing.TB, url, schedule string) ListSpec {
	l, err := lists.Lookup("ofac-consolidated")
	if err != nil {
		t.Fatal(err)
	}
	return ListSpec{List: l, URLs: []string{url}, Schedule: schedule, Timeout: 5 * time.Second}
}

// once runs one cycle and returns its only result.
func (f *fixture) once(t testing.TB) CheckResult {
	t.Helper()
	res, err := f.d.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func (f *fixture) snapshotCount(t testing.TB, list string) int {
	t.Helper()
	snaps, err := f.st.Snapshots(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	return len(snaps)
}

// TestCheckConditional follows ofac-sdn through the real 2025 sdn.xml
// publications: a baseline, a 304, a new publication with the three CYBER4
// additions CHANGES.md lists, and a server that ignores validators and
// sends identical content.
func TestCheckConditional(t *testing.T) {
	pub := newPublisher(t, "ofac/constructed/2025-06-30.sdn.xml")
	f := newFixture(t, ofacSDN(t, pub.url(), "@every 1h"))

	type step struct {
		name        string
		setup       func(p *publisher)
		outcome     store.Outcome
		notModified bool
		snapshots   int
		conditional bool // the request carried validators
		added       []string
	}
	steps := []step{
		{name: "baseline", outcome: store.Stored, snapshots: 1},
		{name: "304", outcome: store.Unchanged, notModified: true, snapshots: 1, conditional: true},
		{name: "new publication", setup: func(p *publisher) { p.path = shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml") },
			outcome: store.Stored, snapshots: 2, conditional: true, added: []string{"9900004", "9900005", "9900006"}},
		{name: "no validators, same content", setup: func(p *publisher) { p.noValidator = true },
			outcome: store.Unchanged, snapshots: 2, conditional: true},
		{name: "validators forgotten", outcome: store.Unchanged, snapshots: 2, conditional: false},
	}
	for _, sp := range steps {
		if sp.setup != nil {
			pub.set(sp.setup)
		}
		_, condBefore, _ := pub.counts()
		f.clock.Add(time.Hour)
		r := f.once(t)
		if r.Err != nil {
			t.Fatalf("%s: %v", sp.name, r.Err)
		}
		_, condAfter, _ := pub.counts()
		if r.Outcome != sp.outcome || r.NotModified != sp.notModified {
			t.Errorf("%s: %s (not modified %v), want %s (not modified %v)", sp.name, r.Check, r.NotModified, sp.outcome, sp.notModified)
		}
		if got := condAfter > condBefore; got != sp.conditional {
			t.Errorf("%s: conditional request %v, want %v", sp.name, got, sp.conditional)
		}
		if n := f.snapshotCount(t, "ofac-sdn"); n != sp.snapshots {
			t.Errorf("%s: %d snapshots, want %d", sp.name, n, sp.snapshots)
		}
		if sp.notModified && r.Bytes != 0 {
			t.Errorf("%s: %d bytes counted for a 304", sp.name, r.Bytes)
		}
		if sp.added != nil {
			changes, err := f.st.Changes(context.Background(), r.Snapshot)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, string(c.Kind)+" "+c.ID)
			}
			want := []string{}
			for _, id := range sp.added {
				want = append(want, "added "+id)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: changes %v, want %v", sp.name, got, want)
			}
		}
	}

	checks, err := f.st.Checks(context.Background(), "ofac-sdn", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(checks) - 1; i >= 0; i-- {
		got = append(got, regexp.MustCompile(`\d+`).ReplaceAllString(checks[i].String(), "N"))
	}
	want := []string{"stored snapshot N", "checked, unchanged (N Not Modified)", "stored snapshot N", "checked, unchanged", "checked, unchanged"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("recorded checks:\n got %q\nwant %q", got, want)
	}
}

// TestFailureThreshold: a list failing past the threshold alerts operators
// once, and once more when it recovers.
func TestFailureThreshold(t *testing.T) {
	pub := newPublisher(t, "ofac/constructed/2025-06-30.sdn.xml")
	f := newFixture(t, ofacSDN(t, pub.url(), "@every 1h"))
	if r := f.once(t); r.Err != nil {
		t.Fatal(r.Err)
	}
	pub.set(func(p *publisher) { p.status = http.StatusInternalServerError })
	for i := 1; i <= 5; i++ {
		f.clock.Add(time.Hour)
		r := f.once(t)
		if r.Outcome != store.Failed || !strings.Contains(r.Error, "500") {
			t.Fatalf("failure %d: %s", i, r.Check)
		}
		if want := min(max(i-2, 0), 1); len(*f.notices) != want {
			t.Fatalf("after %d failures: %d notices, want %d", i, len(*f.notices), want)
		}
	}
	alert := (*f.notices)[0]
	if alert.Recovered || alert.List != "ofac-sdn" || alert.Failures != 3 || !strings.Contains(alert.Text, "failed 3 checks in a row") || !strings.Contains(alert.Text, "500") {
		t.Errorf("alert %+v", alert)
	}
	pub.set(func(p *publisher) { p.status = 0 })
	for i := range 2 {
		f.clock.Add(time.Hour)
		if r := f.once(t); r.Err != nil || r.Outcome != store.Unchanged {
			t.Fatalf("recovery check %d: %s %v", i, r.Check, r.Err)
		}
	}
	if len(*f.notices) != 2 {
		t.Fatalf("%d notices after recovery, want alert + recovery: %+v", len(*f.notices), *f.notices)
	}
	rec := (*f.notices)[1]
	if !rec.Recovered || rec.Failures != 5 || !strings.Contains(rec.Text, "works again") {
		t.Errorf("recovery notice %+v", rec)
	}
}

func get(t testing.TB, h http.Handler, path string, header ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// metricValue finds one sample in the text exposition.
func metricValue(t testing.TB, body, name, labels string) (float64, bool) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// TestHealthAndMetrics: one list served, one answering 500.
func TestHealthAndMetrics(t *testing.T) {
	good := newPublisher(t, "ofac/constructed/2025-06-30.sdn.xml")
	bad := newPublisher(t, "ofac/xml/2025-03-28.consolidated.xml")
	bad.set(func(p *publisher) { p.status = http.StatusInternalServerError })
	f := newFixture(t, ofacSDN(t, good.url(), "CRON_TZ=Europe/London 15 * * * *"), ofacConsolidated(t, bad.url(), "@every 1h"))
	h := f.d.Handler()

	code, body := get(t, h, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "ofac-sdn: FAILING: never checked successfully") {
		t.Errorf("before any check: %d\n%s", code, body)
	}

	res, err := f.d.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != store.Stored || res[1].Outcome != store.Failed {
		t.Fatalf("results %s / %s", res[0].Check, res[1].Check)
	}

	code, body = get(t, h, "/healthz")
	if code != http.StatusServiceUnavailable {
		t.Errorf("healthz %d, want 503", code)
	}
	if !strings.Contains(body, "failing: 1 of 2 lists") || !strings.Contains(body, "ofac-consolidated: FAILING: last 1 checks failed") ||
		!strings.Contains(body, "500") || !strings.Contains(body, "ofac-sdn: ok") {
		t.Errorf("healthz body:\n%s", body)
	}
	code, body = get(t, h, "/healthz", "Accept", "application/json")
	var health Health
	if err := json.Unmarshal([]byte(body), &health); err != nil || code != 503 || health.OK || len(health.Lists) != 2 ||
		!health.Lists[0].OK || health.Lists[1].OK || health.Lists[1].ConsecutiveFailures != 1 {
		t.Errorf("healthz JSON %d %v: %s", code, err, body)
	}

	code, body = get(t, h, "/metrics")
	if code != 200 {
		t.Fatalf("metrics %d", code)
	}
	want := []struct {
		name, labels string
		check        func(float64) bool
	}{
		{"tracker_list_consecutive_failures", `list="ofac-consolidated"`, func(v float64) bool { return v == 1 }},
		{"tracker_list_consecutive_failures", `list="ofac-sdn"`, func(v float64) bool { return v == 0 }},
		{"tracker_list_last_success_timestamp_seconds", `list="ofac-consolidated"`, func(v float64) bool { return v == 0 }},
		{"tracker_list_last_success_timestamp_seconds", `list="ofac-sdn"`, func(v float64) bool { return v == float64(f.clock.Now().Unix()) }},
		{"tracker_list_healthy", `list="ofac-consolidated"`, func(v float64) bool { return v == 0 }},
		{"tracker_list_healthy", `list="ofac-sdn"`, func(v float64) bool { return v == 1 }},
		{"tracker_list_entities", `list="ofac-sdn"`, func(v float64) bool { return v == 23 }}, // Record_Count 23
		{"tracker_checks_total", `list="ofac-consolidated",outcome="failed"`, func(v float64) bool { return v == 1 }},
		{"tracker_checks_total", `list="ofac-sdn",outcome="stored"`, func(v float64) bool { return v == 1 }},
		{"tracker_fetch_bytes_total", `list="ofac-sdn"`, func(v float64) bool {
			fi, _ := os.Stat(shareddata.Path(t, "ofac/constructed/2025-06-30.sdn.xml"))
			return v == float64(fi.Size())
		}},
		{"tracker_fetch_duration_seconds_count", `list="ofac-sdn"`, func(v float64) bool { return v == 1 }},
		{"tracker_deliveries", `list="ofac-consolidated",state="failed"`, func(v float64) bool { return v == 0 }},
	}
	for _, w := range want {
		v, ok := metricValue(t, body, w.name, w.labels)
		if !ok || !w.check(v) {
			t.Errorf("metric %s{%s} = %v (present %v)", w.name, w.labels, v, ok)
		}
	}
	if _, ok := metricValue(t, body, "tracker_list_entities", `list="ofac-consolidated"`); ok {
		t.Error("entities exported for a list with no snapshot")
	}

	// The failing list recovers; then both go quiet for too long.
	bad.set(func(p *publisher) { p.status = 0 })
	if _, err := f.d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/healthz"); code != 200 || !strings.HasPrefix(body, "ok: 2 lists healthy") {
		t.Errorf("after recovery: %d\n%s", code, body)
	}
	f.clock.Add(2*time.Hour + 6*time.Second) // over 2 × 1h + the 5s timeout
	code, body = get(t, h, "/healthz")
	if code != 503 || !strings.Contains(body, "ofac-sdn: FAILING: last success 2h0m6s ago") {
		t.Errorf("stale: %d\n%s", code, body)
	}
}

func TestParseScheduleAndInterval(t *testing.T) {
	monday := time.Date(2025, 6, 30, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		spec     string
		interval time.Duration
		err      string
	}{
		"hourly at :15":       {spec: "15 * * * *", interval: time.Hour},
		"London time":         {spec: "CRON_TZ=Europe/London 15 * * * *", interval: time.Hour},
		"every":               {spec: "@every 1h", interval: time.Hour},
		"every 90s":           {spec: "@every 90s", interval: 90 * time.Second},
		"descriptor":          {spec: "@daily", interval: 24 * time.Hour},
		"weekdays at 9":       {spec: "0 9 * * 1-5", interval: 72 * time.Hour}, // Friday → Monday
		"padded":              {spec: "  */30 * * * *  ", interval: 30 * time.Minute},
		"empty":               {spec: "", err: "no schedule"},
		"six fields":          {spec: "0 15 * * * *", err: "expected exactly 5 fields"},
		"bad zone":            {spec: "CRON_TZ=Mars/Olympus 15 * * * *", err: "provided bad location"},
		"sub-second":          {spec: "@every 10ms", err: "shorter than a second"},
		"out of range minute": {spec: "61 * * * *", err: "above maximum"},
	}
	for name, tc := range tests {
		s, err := ParseSchedule(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := Interval(s, monday); got != tc.interval {
			t.Errorf("%s: interval %v, want %v", name, got, tc.interval)
		}
	}
}

func TestNewLogger(t *testing.T) {
	tests := map[string]struct {
		format, level string
		wantDebug     bool
		json          bool
		err           string
	}{
		"defaults":  {},
		"json":      {format: "json", json: true},
		"debug":     {level: "debug", wantDebug: true},
		"warn":      {format: "text", level: "WARN"},
		"bad level": {level: "loud", err: "log level"},
		"bad fmt":   {format: "xml", err: "log format"},
	}
	for name, tc := range tests {
		var buf bytes.Buffer
		log, err := NewLogger(&buf, tc.format, tc.level)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		log.Debug("dbg", "list", "ofac-sdn")
		log.Warn("wrn", "list", "ofac-sdn", "snapshot", 7)
		out := buf.String()
		if strings.Contains(out, "dbg") != tc.wantDebug {
			t.Errorf("%s: debug shown %v, want %v:\n%s", name, !tc.wantDebug, tc.wantDebug, out)
		}
		if tc.json {
			var rec map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &rec); err != nil || rec["list"] != "ofac-sdn" || rec["snapshot"] != 7.0 {
				t.Errorf("%s: %v %v", name, rec, err)
			}
		} else if !strings.Contains(out, "list=ofac-sdn snapshot=7") {
			t.Errorf("%s: %s", name, out)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// trickle serves a real file a few bytes at a time, as a slow publisher
// does, until the client goes away. started is closed on the first request.
func trickle(t testing.TB, rel string) (url string, started <-chan struct{}) {
	data, err := os.ReadFile(shareddata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(ch) })
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		for off := 0; off < len(data); off += 64 {
			if _, err := w.Write(data[off:min(off+64, len(data))]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/SDN.XML", ch
}

// TestRunShutdownDuringDownload: cancelling Run mid-download ends the
// download at once, stores nothing, counts no failure, and tells systemd
// READY, WATCHDOG and STOPPING in that order.
func TestRunShutdownDuringDownload(t *testing.T) {
	url, started := trickle(t, "ofac/constructed/2025-06-30.sdn.xml")
	f := newFixture(t, ofacSDN(t, url, "@every 1h"))
	f.d.InitialRun = true
	f.d.WatchdogInterval = 100 * time.Millisecond
	var mu sync.Mutex
	var states []string
	f.d.SdNotify = func(s string) error {
		mu.Lock()
		defer mu.Unlock()
		states = append(states, s)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.d.Run(ctx) }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the initial check never started")
	}
	time.Sleep(300 * time.Millisecond) // some watchdog pings, some bytes
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of cancellation")
	}
	if n := f.snapshotCount(t, ""); n != 0 {
		t.Errorf("%d snapshots stored by an interrupted download", n)
	}
	st, err := f.st.ListState(context.Background(), "ofac-sdn")
	if err != nil || st.ConsecutiveFailures != 0 || !st.LastAttempt.IsZero() {
		t.Errorf("state after shutdown %+v (%v): an interrupted check is no failure", st, err)
	}
	mu.Lock()
	defer mu.Unlock()
	seq := strings.Join(states, " ")
	if !regexp.MustCompile(`^READY=1( WATCHDOG=1)+ STOPPING=1$`).MatchString(seq) {
		t.Errorf("systemd notifications %q, want READY=1 WATCHDOG=1… STOPPING=1", seq)
	}
	if !strings.Contains(f.logs.String(), "check interrupted by shutdown") {
		t.Errorf("logs:\n%s", f.logs)
	}
}

// TestRunSchedule: the scheduler checks each list on its own schedule;
// without the initial run, a list waits for its first scheduled time.
func TestRunSchedule(t *testing.T) {
	often := newPublisher(t, "ofac/constructed/2025-06-30.sdn.xml")
	rarely := newPublisher(t, "ofac/xml/2025-03-28.consolidated.xml")
	f := newFixture(t, ofacSDN(t, often.url(), "@every 1s"), ofacConsolidated(t, rarely.url(), "@every 1h"))
	f.d.Jitter = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.d.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		checks, err := f.st.Checks(context.Background(), "ofac-sdn", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(checks) >= 2 {
			if checks[0].Outcome != store.Unchanged || checks[len(checks)-1].Outcome != store.Stored {
				t.Errorf("checks %v", checks)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks after 10s of @every 1s", len(checks))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _, _ := rarely.counts(); n != 0 {
		t.Errorf("the @every 1h list was fetched %d times within seconds, without the initial run", n)
	}
}

// TestWatchdogWithheldWhileStuck: a check running far past its timeouts
// stops the pings, so that systemd restarts the tracker.
func TestWatchdogWithheldWhileStuck(t *testing.T) {
	spec := ListSpec{List: lists.List{Name: "ofac-sdn", URLs: []string{"a", "b"}}, Schedule: "@hourly", Timeout: time.Minute, Retries: 2}
	f := newFixture(t, spec)
	if err := f.d.init(); err != nil {
		t.Fatal(err)
	}
	limit := maxCheckDuration(spec) // 2 files × 3 attempts × 1 min × 2 + 15 min
	if limit != 27*time.Minute {
		t.Errorf("max check duration %v, want 27m", limit)
	}
	start := f.clock.Now()
	f.d.running["ofac-sdn"] = start
	for _, tc := range []struct {
		after time.Duration
		stuck bool
	}{{time.Minute, false}, {limit, false}, {limit + time.Second, true}} {
		f.clock.Add(start.Add(tc.after).Sub(f.clock.Now()))
		if list, _ := f.d.stuck(); (list != "") != tc.stuck {
			t.Errorf("after %v: stuck %q, want %v", tc.after, list, tc.stuck)
		}
	}
}
