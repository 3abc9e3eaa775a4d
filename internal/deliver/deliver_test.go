package deliver

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

func TestPlan(t *testing.T) {
	cyberNew := tracker.Change{Kind: tracker.Added, List: "ofac-sdn", ID: "1", Name: "CHATEX", Programs: []string{"CYBER2"}}
	other := tracker.Change{Kind: tracker.Added, List: "ofac-sdn", ID: "2", Name: "NOT CYBER", Programs: []string{"SDGT"}}
	gained := tracker.Change{Kind: tracker.Amended, List: "ofac-sdn", ID: "3", Name: "GAINED CYBER", Programs: []string{"SDGT", "CYBER2"},
		Fields: []tracker.FieldChange{{Field: "programs", Before: []string{"SDGT"}, After: []string{"SDGT", "CYBER2"}}}}
	delisted := tracker.Change{Kind: tracker.Removed, List: "ofac-sdn", ID: "4", Name: "DELISTED", Programs: []string{"CYBER2"}}
	renamed := tracker.Change{Kind: tracker.Amended, List: "ofac-sdn", ID: "5", Name: "RENAMED", Programs: []string{"CYBER2"},
		Fields: []tracker.FieldChange{{Field: "name", Before: []string{"OLD"}, After: []string{"RENAMED"}}}}
	iranian := tracker.Change{Kind: tracker.Added, List: "ofac-sdn", ID: "6", Name: "IRGC HACKER", Programs: []string{"CYBER2", "IRGC"}}

	prev := &tracker.Snapshot{ID: 1, List: "ofac-sdn"}
	snap := tracker.Snapshot{ID: 2, List: "ofac-sdn", PublishedAt: "2021-11-08"}
	all := []tracker.Change{cyberNew, other, gained, delisted, renamed, iranian}
	cyber := func(string) diff.Filter { return diff.Filter{Regimes: []string{"CYBER2"}} }
	byRegime := func(list string, regimes []string) string {
		if slices.Contains(regimes, "IRGC") {
			return "#iran-desk"
		}
		return "#sanctions"
	}

	tests := []struct {
		name    string
		res     *store.SaveResult
		planner Planner
		want    []string // "notifier channel: ids"
	}{
		{name: "first snapshot is a silent baseline",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Changes: all},
			planner: Planner{Notifiers: []string{"slack"}, Filter: cyber}},
		{name: "unchanged content",
			res:     &store.SaveResult{Snapshot: snap, Previous: prev, Changes: all},
			planner: Planner{Notifiers: []string{"slack"}, Filter: cyber}},
		{name: "no change under the alert regimes",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: []tracker.Change{other}},
			planner: Planner{Notifiers: []string{"slack"}, Filter: cyber}},
		{name: "no notifier configured",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: all},
			planner: Planner{Filter: cyber}},
		{name: "cyber changes, all kinds",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: all},
			planner: Planner{Notifiers: []string{"slack"}, Filter: cyber},
			want:    []string{"slack : 1 3 4 5 6"}},
		{name: "additions only: a programme gained counts as one",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: all},
			planner: Planner{Notifiers: []string{"slack"}, Filter: cyber, Kinds: []tracker.ChangeKind{tracker.Added}},
			want:    []string{"slack : 1 3 6"}},
		{name: "removals only, none under the regimes",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: []tracker.Change{cyberNew, other}},
			planner: Planner{Notifiers: []string{"slack"}, Filter: cyber, Kinds: []tracker.ChangeKind{tracker.Removed}}},
		{name: "every regime",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: all},
			planner: Planner{Notifiers: []string{"stdout"}},
			want:    []string{"stdout : 1 2 3 4 5 6"}},
		{name: "one delivery per notifier and channel",
			res:     &store.SaveResult{Snapshot: snap, Created: true, Previous: prev, Changes: all},
			planner: Planner{Notifiers: []string{"slack", "stdout"}, Filter: cyber, Channel: byRegime, Kinds: []tracker.ChangeKind{tracker.Added}},
			want:    []string{"slack #sanctions: 1 3", "slack #iran-desk: 6", "stdout #sanctions: 1 3", "stdout #iran-desk: 6"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.planner.Publisher = func(list string) string { return "publisher of " + list }
			ds, err := tc.planner.Plan(tc.res)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				var a notify.Alert
				if err := json.Unmarshal(d.Payload, &a); err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, c := range a.Changes {
					ids = append(ids, c.ID)
				}
				got = append(got, fmt.Sprintf("%s %s: %s", d.Notifier, d.Channel, strings.Join(ids, " ")))
				if d.SnapshotID != 2 || a.SnapshotID != 2 || a.List != "ofac-sdn" || a.PublishedAt != "2021-11-08" ||
					a.Publisher != "publisher of ofac-sdn" || a.Channel != d.Channel || a.Operator != "" {
					t.Errorf("delivery %+v with alert %+v", d, a)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("planned %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNotice(t *testing.T) {
	p := Planner{Notifiers: []string{"slack"}, OperatorChannel: "#ops"}
	ds, err := p.Notice("eu-fsf", "list eu-fsf has failed 3 checks in a row")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].SnapshotID != 0 || ds[0].Channel != "#ops" || ds[0].List != "eu-fsf" {
		t.Fatalf("notice deliveries %+v", ds)
	}
	var a notify.Alert
	if err := json.Unmarshal(ds[0].Payload, &a); err != nil || a.Operator != "list eu-fsf has failed 3 checks in a row" || a.Channel != "#ops" {
		t.Errorf("notice alert %+v (%v)", a, err)
	}
}

// newCyber2 reads two sdn.csv files with encoding/csv, apart from the
// tracker's parser, and returns the names of the entries that are under a
// CYBER programme in the second and not in the first.
func newCyber2(t *testing.T, oldPath, newPath string) []string {
	t.Helper()
	read := func(path string) map[string]string {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		out := map[string]string{}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(rec) > 3 && strings.Contains(rec[3], "CYBER") {
				out[rec[0]] = rec[1]
			}
		}
	}
	before, after := read(oldPath), read(newPath)
	var names []string
	for id, name := range after {
		if _, ok := before[id]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// TestRealOFACAlertOnce imports the real sdn.csv of 2021-10-29 and of
// 2021-11-08 (seven CYBER2 designations: CHATEX and its network, OFAC's
// action of that day) through ingest, with the planner as its AfterSave.
func TestRealOFACAlertOnce(t *testing.T) {
	ctx := context.Background()
	oldPath := shareddata.Path(t, "ofac/sdn-csv/2021-10-29.sdn.csv")
	newPath := shareddata.Path(t, "ofac/sdn-csv/2021-11-08.sdn.csv")
	want := newCyber2(t, oldPath, newPath)
	if len(want) != 7 || !slices.Contains(want, "CHATEX") || !slices.Contains(want, "VASINSKYI, Yaroslav") {
		t.Fatalf("the files' new CYBER2 entries are %q: not the pair this test is about", want)
	}
	f := newFixture(t)
	l, err := lists.Lookup("ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	in := &ingest.Ingester{Store: f.st, AfterSave: f.planner.AfterSave}
	imp := func(path, asOf string) *store.SaveResult {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := in.Ingest(ctx, ingest.Request{List: l, AsOf: asOf, Files: []source.RawFile{{Name: "sdn.csv", Origin: path, Data: data}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	steps := []struct {
		name     string
		do       func()
		accepted int // messages Slack accepted so far
	}{
		{"baseline import", func() { imp(oldPath, "2021-10-29") }, 0},
		{"dispatch after the baseline", func() { f.run() }, 0},
		{"import of 2021-11-08", func() { imp(newPath, "2021-11-08") }, 0},
		{"dispatch", func() {
			if res := f.run(); res.Sent != 1 || len(res.Failed) != 0 {
				t.Errorf("dispatch: %+v, want one alert sent", res)
			}
		}, 1},
		{"dispatch again", func() { f.run() }, 1},
		{"re-import of the same file", func() {
			if imp(newPath, "2021-11-08").Created {
				t.Error("the same file stored twice")
			}
			f.run()
		}, 1},
	}
	for _, s := range steps {
		s.do()
		if _, n := f.api.counts(); n != s.accepted {
			t.Fatalf("after %s: Slack accepted %d messages, want %d", s.name, n, s.accepted)
		}
	}
	p := f.api.posts()[0]
	for _, name := range want {
		if !strings.Contains(p.text, name) {
			t.Errorf("the alert does not name %q", name)
		}
	}
	if p.channel != "#sanctions" {
		t.Errorf("posted to %q", p.channel)
	}
	ds, _ := f.st.Deliveries(ctx)
	if len(ds) != 1 || ds[0].Status != store.DeliverySent || ds[0].SnapshotID != 2 || ds[0].Progress.Sent != 1 {
		t.Errorf("outbox %+v, want one sent delivery of snapshot 2", ds)
	}
}

// TestRetryWithinRun: 429 (Retry-After 1), then 500, then accepted.
func TestRetryWithinRun(t *testing.T) {
	f := newFixture(t, "429", "500", "ok")
	f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
	f.save("2021-11-08", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"))
	res := f.run()
	requests, accepted := f.api.counts()
	if res.Sent != 1 || requests != 3 || accepted != 1 {
		t.Fatalf("result %+v, %d requests, %d accepted; want one alert after 3 requests", res, requests, accepted)
	}
	if len(f.sleeps) != 2 || f.sleeps[0] != time.Second {
		t.Fatalf("waits %v: want Retry-After's 1s first", f.sleeps)
	}
	if w := f.sleeps[1]; w < DefaultBackoff || w > 2*DefaultBackoff {
		t.Errorf("second wait %v, want the second backoff step (1s..2s with jitter)", w)
	}
	d := f.delivery(1)
	if d.Status != store.DeliverySent || d.Attempts != 2 || !strings.Contains(d.LastError, "500") {
		t.Errorf("delivery %+v: want sent, after 2 failed attempts recorded", d)
	}
	f.clock.advance(time.Hour)
	f.run()
	if _, accepted := f.api.counts(); accepted != 1 {
		t.Errorf("%d accepted after another run, want 1", accepted)
	}
}

// TestLongRetryAfter: a Retry-After longer than a run should wait is
// honoured by the next run instead of blocking this one.
func TestLongRetryAfter(t *testing.T) {
	f := newFixture(t, "429:120")
	f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
	f.save("2021-11-08", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"))
	start := f.clock.now()
	if res := f.run(); len(res.Failed) != 1 || len(f.sleeps) != 0 {
		t.Fatalf("result %+v, waits %v: want no wait in this run", res, f.sleeps)
	}
	if d := f.delivery(1); !d.NextAttemptAt.Equal(start.Add(120*time.Second)) || d.Status != store.DeliveryPending {
		t.Errorf("next attempt at %v, want Retry-After's %v", d.NextAttemptAt, start.Add(120*time.Second))
	}
	f.clock.advance(119 * time.Second)
	f.run()
	if requests, _ := f.api.counts(); requests != 1 {
		t.Errorf("%d requests before Retry-After passed", requests)
	}
	f.clock.advance(time.Second)
	if res := f.run(); res.Sent != 1 {
		t.Errorf("after Retry-After: %+v", res)
	}
}

// TestSlackDownForARun: the delivery survives a run that fails throughout
// and is sent, once, by a later run.
func TestSlackDownForARun(t *testing.T) {
	f := newFixture(t, "500", "500", "500")
	f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
	f.save("2021-11-08", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"))
	res := f.run()
	if requests, accepted := f.api.counts(); len(res.Failed) != 1 || res.Sent != 0 || requests != DefaultAttempts || accepted != 0 {
		t.Fatalf("result %+v after %d requests", res, requests)
	}
	d := f.delivery(1)
	if d.Status != store.DeliveryPending || d.Attempts != DefaultAttempts || !strings.Contains(d.LastError, "500") || !d.NextAttemptAt.After(f.clock.now()) {
		t.Fatalf("after the failed run: %+v", d)
	}

	f.run() // not due yet
	if requests, _ := f.api.counts(); requests != DefaultAttempts {
		t.Errorf("a run before the next attempt time sent %d requests", requests-DefaultAttempts)
	}
	f.clock.advance(time.Hour)
	if res := f.run(); res.Sent != 1 {
		t.Fatalf("later run: %+v", res)
	}
	f.clock.advance(time.Hour)
	f.run()
	if _, accepted := f.api.counts(); accepted != 1 {
		t.Errorf("Slack accepted %d messages, want 1", accepted)
	}
	if d := f.delivery(1); d.Status != store.DeliverySent || d.SentAt.IsZero() {
		t.Errorf("delivery %+v, want sent", d)
	}
}

// TestResumeAtFailedPart: a multi-part alert failing at part 2 resumes
// there, in a new process, and Slack gets each part once, in its thread.
func TestResumeAtFailedPart(t *testing.T) {
	var es []*tracker.Entity
	for i := range 40 {
		es = append(es, bigCyber(i))
	}
	base := entity("1", "BASE", "CYBER2")

	// The same alert delivered where nothing fails: the parts expected.
	control := newFixture(t)
	control.save("2024-03-04", base)
	control.save("2024-03-05", append([]*tracker.Entity{base}, es...)...)
	control.run()
	want := control.api.posts()
	if len(want) < 3 {
		t.Fatalf("the alert has %d parts; the test needs at least 3", len(want))
	}

	f := newFixture(t, "ok", "500", "500", "500")
	f.save("2024-03-04", base)
	f.save("2024-03-05", append([]*tracker.Entity{base}, es...)...)
	if res := f.run(); len(res.Failed) != 1 {
		t.Fatalf("first run: %+v", res)
	}
	if d := f.delivery(1); d.Progress.Sent != 1 || d.Progress.ThreadTS == "" || d.Status != store.DeliveryPending {
		t.Fatalf("after failing at part 2: %+v", d)
	}

	// A new tracker process: new store handle, new dispatcher.
	f.clock.advance(time.Hour)
	st := f.open()
	f.disp = f.newDispatcher(st)
	if res := f.run(); res.Sent != 1 {
		t.Fatalf("resumed run: %+v", res)
	}
	got := f.api.posts()
	if len(got) != len(want) {
		t.Fatalf("Slack accepted %d messages, want the %d parts once each", len(got), len(want))
	}
	for i := range got {
		if got[i].text != want[i].text {
			t.Errorf("part %d differs from the control delivery's", i+1)
		}
		if i > 0 && got[i].threadTS != got[0].ts {
			t.Errorf("part %d in thread %q, want the first part's %q", i+1, got[i].threadTS, got[0].ts)
		}
	}
	if d := f.delivery(1); d.Status != store.DeliverySent || d.Progress.Sent != len(want) {
		t.Errorf("delivery %+v", d)
	}
}

// TestNotRetryable: a bad token or channel is tried once per run, stays
// queued with the reason, holds back later alerts to the same channel, and
// the token shows nowhere.
func TestNotRetryable(t *testing.T) {
	for _, code := range []string{"invalid_auth", "channel_not_found"} {
		t.Run(code, func(t *testing.T) {
			f := newFixture(t, code, code)
			f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
			f.save("2021-11-08", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"))
			f.save("2021-11-09", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"), entity("3", "IZIBITS OU", "CYBER2"))
			res := f.run()
			requests, _ := f.api.counts()
			if requests != 1 || len(res.Failed) != 1 || res.Skipped != 1 || len(f.sleeps) != 0 {
				t.Fatalf("%d requests, result %+v, waits %v: want one attempt, the second alert held back", requests, res, f.sleeps)
			}
			d := f.delivery(1)
			if d.Status != store.DeliveryPending || d.Attempts != 1 || !strings.Contains(d.LastError, code) {
				t.Errorf("delivery %+v", d)
			}
			if !f.api.tokens[testToken] {
				t.Fatal("the test server never saw the token: the test proves nothing")
			}
			for what, text := range map[string]string{"logs": f.logs.String(), "last_error": d.LastError, "result": res.Failed[0].Error()} {
				if strings.Contains(text, testToken) || strings.Contains(text, "SECRET") {
					t.Errorf("the token appears in the %s: %s", what, text)
				}
			}
			if !strings.Contains(f.logs.String(), `"delivery":1`) || !strings.Contains(f.logs.String(), `"snapshot":2`) {
				t.Errorf("log lacks the delivery and snapshot keys: %s", f.logs)
			}

			// The operator fixes the config; the next run sends both, in order.
			f.run()
			if requests, accepted := f.api.counts(); requests != 2 || accepted != 0 {
				t.Fatalf("second run: %d requests, %d accepted; want one more attempt", requests, accepted)
			}
			res = f.run()
			posts := f.api.posts()
			if res.Sent != 2 || len(posts) != 2 || !strings.Contains(posts[0].text, "CHATEX") || !strings.Contains(posts[1].text, "IZIBITS") {
				t.Errorf("after the fix: %+v, %d posts", res, len(posts))
			}
		})
	}
}

func TestMaxAge(t *testing.T) {
	f := newFixture(t)
	f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
	f.save("2021-11-08", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"))
	f.clock.advance(f.disp.MaxAge + time.Second)
	f.save("2021-11-12", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"), entity("3", "IZIBITS OU", "CYBER2"))
	res := f.run()
	if res.Expired != 1 || res.Sent != 1 {
		t.Fatalf("result %+v, want the old alert expired and the new one sent", res)
	}
	posts := f.api.posts()
	if len(posts) != 1 || strings.Contains(posts[0].text, "CHATEX") || !strings.Contains(posts[0].text, "IZIBITS") {
		t.Errorf("posted %d messages; want only the recent alert", len(posts))
	}
	if d := f.delivery(1); d.Status != store.DeliveryExpired {
		t.Errorf("old delivery %+v", d)
	}
}

// TestSnapshotAndDeliveriesCommitTogether: when queuing fails, or anything
// after it in the snapshot's transaction, neither is kept.
func TestSnapshotAndDeliveriesCommitTogether(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *fixture) func(context.Context, *sql.Tx, *store.SaveResult) error
	}{
		{"enqueue fails", func(f *fixture) func(context.Context, *sql.Tx, *store.SaveResult) error {
			f.planner.Notifiers = []string{""} // the outbox refuses a delivery without notifier
			return f.planner.AfterSave
		}},
		{"failure after enqueueing", func(f *fixture) func(context.Context, *sql.Tx, *store.SaveResult) error {
			return func(ctx context.Context, tx *sql.Tx, res *store.SaveResult) error {
				if err := f.planner.AfterSave(ctx, tx, res); err != nil {
					return err
				}
				return errors.New("killed before commit")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
			_, err := f.st.SaveSnapshot(ctx, store.NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: "2021-11-08", RawSHA256: "x",
				Entities: []*tracker.Entity{entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2")}, AfterSave: tc.setup(f)})
			if err == nil {
				t.Fatal("saved")
			}
			snaps, _ := f.st.Snapshots(ctx, "")
			ds, _ := f.st.Deliveries(ctx)
			if len(snaps) != 1 || len(ds) != 0 {
				t.Errorf("%d snapshots and %d deliveries kept, want the baseline alone", len(snaps), len(ds))
			}
		})
	}
}

// TestCancelDuringBackoff: shutdown during a wait stops the run; the alert
// stays queued.
func TestCancelDuringBackoff(t *testing.T) {
	f := newFixture(t, "500")
	f.save("2021-10-29", entity("1", "BASE", "CYBER2"))
	f.save("2021-11-08", entity("1", "BASE", "CYBER2"), entity("2", "CHATEX", "CYBER2"))
	ctx, cancel := context.WithCancel(context.Background())
	f.disp.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	if _, err := f.disp.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v, want canceled", err)
	}
	if d := f.delivery(1); d.Status != store.DeliveryPending || d.Attempts != 1 {
		t.Errorf("delivery %+v", d)
	}
}

// TestTwoDispatchers: the daemon and a `tracker import` on one database
// dispatch at the same time; each alert goes out once.
func TestTwoDispatchers(t *testing.T) {
	f := newFixture(t)
	f.api.delay = 20 * time.Millisecond
	prev := []*tracker.Entity{entity("1", "BASE", "CYBER2")}
	f.save("2021-10-29", prev...)
	for i := range 5 {
		prev = append(prev, entity(fmt.Sprint(100+i), fmt.Sprintf("ACTOR %d", i), "CYBER2"))
		f.save(fmt.Sprintf("2021-11-%02d", 10+i), prev...)
	}
	other := f.newDispatcher(f.open())
	other.Log = slog.New(slog.DiscardHandler) // f.logs is the first one's alone
	var wg sync.WaitGroup
	results := make([]Result, 2)
	for i, d := range []*Dispatcher{f.disp, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := d.Run(context.Background())
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	if requests, accepted := f.api.counts(); requests != 5 || accepted != 5 || results[0].Sent+results[1].Sent != 5 {
		t.Errorf("%d requests, %d accepted, results %+v; want each of 5 alerts once", requests, accepted, results)
	}
}
