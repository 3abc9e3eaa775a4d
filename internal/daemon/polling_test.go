package daemon

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/deliver"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/store"
)

// changingPublisher serves one file like a static file server (ETag per
// content, Last-Modified the time it last changed, 304 to a matching
// conditional request) and switches to another file when told, recording
// when. Without validators it sends neither header and answers every
// request in full, as some servers do.
type changingPublisher struct {
	srv *httptest.Server

	mu         sync.Mutex
	data       []byte
	etag       string
	modified   time.Time
	changedAt  time.Time
	validators bool
	log        []servedRequest
}

type servedRequest struct {
	at          time.Time
	conditional bool
	status      int
}

func newChangingPublisher(t testing.TB, rel string, validators bool) *changingPublisher {
	p := &changingPublisher{validators: validators}
	p.set(t, rel, time.Now().Add(-24*time.Hour))
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *changingPublisher) set(t testing.TB, rel string, at time.Time) {
	data, err := os.ReadFile(shareddata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.data, p.etag, p.modified, p.changedAt = data, strconv.Quote(filepath.Base(rel)), at, at
}

func (p *changingPublisher) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	data, etag, mod, validators := p.data, p.etag, p.modified, p.validators
	p.mu.Unlock()
	if validators {
		w.Header().Set("ETag", etag)
	} else {
		mod = time.Time{}
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(rec, r, "SDN.XML", mod, bytes.NewReader(data))
	p.mu.Lock()
	p.log = append(p.log, servedRequest{at: time.Now(),
		conditional: r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "", status: rec.status})
	p.mu.Unlock()
}

func (p *changingPublisher) requests() []servedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]servedRequest(nil), p.log...)
}

// TestAdaptivePollingCatchesChange runs the real daemon against two
// publishers: one honours validators and publishes new cyber designations
// at a random moment, one sends no validators. With a fast interval of 2 s
// the change is stored and its alert accepted within 2 × interval + jitter,
// every check in between got a 304, and the publisher without validators
// is checked on its schedule only.
func TestAdaptivePollingCatchesChange(t *testing.T) {
	const (
		fastInterval = 2 * time.Second
		jitter       = 400 * time.Millisecond
	)
	honours := newChangingPublisher(t, "ofac/constructed/2025-06-30.sdn.xml", true)
	plain := newChangingPublisher(t, "ofac/xml/2025-03-28.consolidated.xml", false)
	sdn := ofacSDN(t, honours.srv.URL+"/SDN.XML", "@every 1h")
	sdn.FastInterval = fastInterval
	cons := ofacConsolidated(t, plain.srv.URL+"/CONSOLIDATED.XML", "@every 1h")
	cons.FastInterval = fastInterval
	f := newFixture(t, sdn, cons)
	f.st.Now = time.Now
	f.d.Now = time.Now
	f.d.Jitter = jitter
	f.d.InitialRun = true

	// The real outbox: the planner queues the alerts in the snapshot's
	// transaction, the dispatcher hands them to the stdout notifier.
	var out syncBuffer
	n, err := notify.NewStdout(&out, "text")
	if err != nil {
		t.Fatal(err)
	}
	planner := &deliver.Planner{Store: f.st, Notifiers: []string{n.Name()},
		Filter: func(string) diff.Filter { return diff.Filter{Regimes: []string{"CYBER2", "CYBER4"}} }}
	f.d.Ingester.AfterSave = planner.AfterSave
	dispatcher := &deliver.Dispatcher{Store: f.st, Notifiers: []notify.Notifier{n}, MaxAge: time.Hour}
	f.d.Dispatch = func(ctx context.Context) error { _, err := dispatcher.Run(ctx); return err }

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	// Wait for the baseline, then publish at a random moment.
	waitFor(t, 5*time.Second, "the baseline", func() bool { return f.snapshotCount(t, "ofac-sdn") == 1 })
	// After a first 304, so that the checks in between are seen.
	waitFor(t, 2*fastInterval+jitter+time.Second, "a 304", func() bool {
		for _, r := range honours.requests() {
			if r.status == http.StatusNotModified {
				return true
			}
		}
		return false
	})
	time.Sleep(time.Duration(rand.N(int64(fastInterval))))
	changed := time.Now()
	honours.set(t, "ofac/constructed/2025-11-19.sdn.xml", changed)
	bound := 2*fastInterval + jitter
	var sent map[int64]time.Time
	waitFor(t, bound+3*time.Second, "the alert", func() bool {
		sent, err = f.st.AlertSentAt(context.Background())
		return err == nil && len(sent) == 1
	})
	snaps, err := f.st.Snapshots(context.Background(), "ofac-sdn")
	if err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots %v, %v", snaps, err)
	}
	stored := snaps[1]
	accepted := sent[stored.ID]
	t.Logf("changed at +0; first seen at +%v; alert accepted at +%v (bound %v)", stored.FetchedAt.Sub(changed).Round(time.Millisecond),
		accepted.Sub(changed).Round(time.Millisecond), bound)
	if d := accepted.Sub(changed); d > bound {
		t.Errorf("alert accepted %v after the change, want within 2 × %v + %v = %v", d, fastInterval, jitter, bound)
	}
	if !strings.Contains(out.String(), "9900004") {
		t.Errorf("the alert does not name the new designation:\n%s", out.String())
	}
	if !stored.ModifiedAt.Equal(changed.Truncate(time.Second)) {
		t.Errorf("snapshot modified_at %v, want the publisher's Last-Modified %v", stored.ModifiedAt, changed.Truncate(time.Second))
	}

	// Every request between the baseline and the change was conditional
	// and got a 304.
	reqs := honours.requests()
	if len(reqs) < 3 {
		t.Fatalf("%d requests to the publisher with validators: want the baseline, some 304s and the change", len(reqs))
	}
	for i, r := range reqs[1:] {
		if !r.conditional {
			t.Errorf("request %d was not conditional", i+2)
		}
		if r.at.Before(changed) && r.status != http.StatusNotModified {
			t.Errorf("request %d before the change got %d, want 304", i+2, r.status)
		}
	}
	checks, err := f.st.Checks(context.Background(), "ofac-sdn", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if c.Outcome == store.Unchanged && !c.NotModified {
			t.Errorf("check %s downloaded an unchanged file", c)
		}
	}

	// The publisher without validators: its initial check only, for an
	// hourly schedule, however often the other list was checked.
	if got := len(plain.requests()); got != 1 {
		t.Errorf("publisher without validators got %d requests, want 1 (its schedule is hourly)", got)
	}

	// /metrics says which mode each list is in, why, and the delays.
	_, body := get(t, f.d.Handler(), "/metrics")
	for _, want := range []string{
		`tracker_list_polling{list="ofac-sdn",mode="fast",reason="validators_honoured"} 1`,
		`tracker_list_polling{list="ofac-consolidated",mode="schedule",reason="no_validators"} 1`,
		`tracker_detection_delay_seconds_count{basis="last_modified",list="ofac-sdn"} 1`,
		`tracker_delivery_delay_seconds_count{list="ofac-sdn"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func waitFor(t testing.TB, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recordWaits makes the daemon's loop record each wait and move the
// fixture's clock by it instead of sleeping; after n waits it stops Run.
func recordWaits(f *fixture, n int, cancel context.CancelFunc) *[]time.Duration {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	f.d.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		full := len(*waits) > n
		mu.Unlock()
		if full {
			cancel()
			return context.Canceled
		}
		f.clock.Add(d)
		return ctx.Err()
	}
	return waits
}

// TestRetryAfterFailure: a publisher answering 500 three times, then 200.
// The retries come after 1, 2 and 4 units of the backoff (each less up to
// half at random), the snapshot is stored on the first success, the
// operators hear of the streak once and of the recovery once, and then the
// list is back on its schedule. A Retry-After longer than the backoff wins.
func TestRetryAfterFailure(t *testing.T) {
	const unit = time.Second
	tests := map[string]struct {
		status     int
		retryAfter string
		// want[i] bounds the wait after failure i+1.
		want [][2]time.Duration
	}{
		"500, backoff": {status: 500, want: [][2]time.Duration{{unit / 2, unit}, {unit, 2 * unit}, {2 * unit, 4 * unit}}},
		"503 with Retry-After": {status: 503, retryAfter: "120",
			want: [][2]time.Duration{{120 * time.Second, 120 * time.Second}, {120 * time.Second, 120 * time.Second}, {120 * time.Second, 120 * time.Second}}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pub := newPublisher(t, "ofac/constructed/2025-06-30.sdn.xml")
			var mu sync.Mutex
			failures := 0
			inner := pub.srv.Config.Handler
			pub.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				fail := failures < 3
				failures++
				mu.Unlock()
				if fail {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					http.Error(w, "<html><body>Service Unavailable</body></html>", tt.status)
					return
				}
				inner.ServeHTTP(w, r)
			})
			f := newFixture(t, ofacSDN(t, pub.url(), "@every 1h"))
			f.d.InitialRun = true
			f.d.retryBase = unit
			ctx, cancel := context.WithCancel(context.Background())
			waits := recordWaits(f, 5, cancel)
			if err := f.d.Run(ctx); err != nil {
				t.Fatal(err)
			}
			got := *waits
			if len(got) != 6 || got[0] != 0 {
				t.Fatalf("waits %v: want the initial run at once, then 5", got)
			}
			for i, w := range tt.want {
				if d := got[i+1]; d < w[0] || d > w[1] {
					t.Errorf("wait after failure %d: %v, want %v..%v", i+1, d, w[0], w[1])
				}
			}
			// cron's @every counts in whole seconds.
			if got[4] <= time.Hour-time.Second || got[4] > time.Hour {
				t.Errorf("wait after the first success %v, want the schedule's 1h", got[4])
			}
			checks, err := f.st.Checks(context.Background(), "ofac-sdn", 0)
			if err != nil {
				t.Fatal(err)
			}
			var outcomes []string
			for i := len(checks) - 1; i >= 0; i-- {
				outcomes = append(outcomes, string(checks[i].Outcome))
			}
			if want := "[failed failed failed stored unchanged]"; fmt.Sprint(outcomes) != want {
				t.Errorf("checks %v, want %s", outcomes, want)
			}
			if n := f.snapshotCount(t, "ofac-sdn"); n != 1 {
				t.Errorf("%d snapshots, want 1", n)
			}
			if len(*f.notices) != 2 || (*f.notices)[0].Recovered || !(*f.notices)[1].Recovered {
				t.Errorf("operator notices %+v, want one for the streak and one for the recovery", *f.notices)
			}
		})
	}
}

// TestNextCheck: the wait after a successful check for each mode, with
// the publisher's Cache-Control and the floor of one check a minute.
func TestNextCheck(t *testing.T) {
	tests := map[string]struct {
		validators   bool
		cacheControl string
		schedule     string
		fast         time.Duration
		gap          time.Duration
		want         []time.Duration // waits after the first, second … check
	}{
		"validators: fast after the first conditional check": {validators: true, schedule: "@every 1h", fast: 5 * time.Minute,
			want: []time.Duration{5 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		"no validators: schedule": {schedule: "@every 1h", fast: 5 * time.Minute,
			want: []time.Duration{time.Hour, time.Hour, time.Hour}},
		"adaptive off: schedule": {validators: true, schedule: "@every 1h",
			want: []time.Duration{time.Hour, time.Hour, time.Hour}},
		"schedule sooner than fast": {validators: true, schedule: "@every 2m", fast: 5 * time.Minute,
			want: []time.Duration{2 * time.Minute, 2 * time.Minute, 2 * time.Minute}},
		"max-age stretches fast polling": {validators: true, cacheControl: "public, max-age=900", schedule: "@every 1h", fast: 5 * time.Minute,
			want: []time.Duration{15 * time.Minute, 15 * time.Minute, 15 * time.Minute}},
		"max-age never past the schedule": {validators: true, cacheControl: "max-age=86400", schedule: "@every 1h", fast: 5 * time.Minute,
			want: []time.Duration{time.Hour, time.Hour, time.Hour}},
		"the floor: no more than a check a minute": {validators: true, schedule: "@every 1s", fast: 5 * time.Minute, gap: time.Minute,
			want: []time.Duration{time.Minute, time.Minute, time.Minute}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pub := newChangingPublisher(t, "ofac/constructed/2025-06-30.sdn.xml", tt.validators)
			if tt.cacheControl != "" {
				inner := pub.srv.Config.Handler
				pub.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", tt.cacheControl)
					inner.ServeHTTP(w, r)
				})
			}
			spec := ofacSDN(t, pub.srv.URL+"/SDN.XML", tt.schedule)
			spec.FastInterval = tt.fast
			f := newFixture(t, spec)
			f.d.InitialRun = true
			if tt.gap > 0 {
				f.d.minRequestGap = tt.gap
			}
			ctx, cancel := context.WithCancel(context.Background())
			waits := recordWaits(f, len(tt.want)+1, cancel)
			if err := f.d.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if got := (*waits)[1 : len(tt.want)+1]; fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("waits %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDecide: a list's mode and reason from what its checks showed.
func TestDecide(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ok := store.Check{ID: 1, StartedAt: at, Outcome: store.Unchanged, Validators: true}
	spec := ListSpec{FastInterval: 5 * time.Minute}
	spec.List.Name = "x"
	off := spec
	off.FastInterval = 0
	tests := map[string]struct {
		spec   ListSpec
		facts  store.PollFacts
		mode   Mode
		reason string
	}{
		"never checked":   {spec, store.PollFacts{}, ModeSchedule, ReasonNeverChecked},
		"adaptive off":    {off, store.PollFacts{LastSuccess: ok}, ModeSchedule, ReasonAdaptiveOff},
		"no validators":   {spec, store.PollFacts{LastSuccess: store.Check{ID: 1, Outcome: store.Stored}}, ModeSchedule, ReasonNoValidators},
		"untested":        {spec, store.PollFacts{LastSuccess: ok}, ModeFast, ReasonValidatorsUntested},
		"304":             {spec, store.PollFacts{LastSuccess: ok, LastConditional: store.Check{ID: 2, Outcome: store.Unchanged, NotModified: true, Conditional: true}}, ModeFast, ReasonValidatorsHonoured},
		"new publication": {spec, store.PollFacts{LastSuccess: ok, LastConditional: store.Check{ID: 2, Outcome: store.Stored, Conditional: true}}, ModeFast, ReasonValidatorsHonoured},
		"same file again": {spec, store.PollFacts{LastSuccess: ok, LastConditional: store.Check{ID: 2, Outcome: store.Unchanged, Conditional: true}}, ModeSchedule, ReasonValidatorsIgnored},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			p := Decide(tt.spec, tt.facts)
			if p.Mode != tt.mode || p.Reason != tt.reason || p.Why == "" {
				t.Errorf("Decide = %+v, want %s (%s)", p, tt.mode, tt.reason)
			}
			if (p.Mode == ModeFast) != (p.Every > 0) {
				t.Errorf("Every %v in mode %s", p.Every, p.Mode)
			}
		})
	}
}
