package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// clock is a settable clock for the store.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock(s *Store, start string) *clock {
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		panic(err)
	}
	c := &clock{t: t}
	s.Now = c.now
	return c
}

func notice(list, text string) Delivery {
	return Delivery{List: list, Notifier: "slack", Channel: "#ops", Payload: []byte(fmt.Sprintf(`{"Operator":%q}`, text))}
}

func deliveryIDs(ds []Delivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c := newClock(s, "2021-11-08T10:00:05Z")

	if err := s.Enqueue(ctx, notice("ofac-sdn", "first")); err != nil {
		t.Fatal(err)
	}
	// Fractional seconds: a plain RFC 3339 string of 10:00:05.5 sorts
	// before 10:00:05, which would make the second one due too early.
	c.advance(500 * time.Millisecond)
	if err := s.Enqueue(ctx, notice("eu-fsf", "second")); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueDeliveries(ctx, c.t.Add(-time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].List != "ofac-sdn" {
		t.Fatalf("due at 10:00:05.499: %v, want only the first", deliveryIDs(due))
	}
	due, _ = s.DueDeliveries(ctx, c.t)
	if got := deliveryIDs(due); len(got) != 2 || got[0] > got[1] {
		t.Fatalf("due at 10:00:05.5: %v, want both, oldest first", got)
	}
	first := due[0]
	if first.Status != DeliveryPending || first.SnapshotID != 0 || string(first.Payload) != `{"Operator":"first"}` || first.Channel != "#ops" {
		t.Errorf("stored notice %+v", first)
	}

	// A failed attempt: counted, and not due again until its next attempt.
	if err := s.RecordFailure(ctx, first.ID, "slack: 500 Internal Server Error", c.t.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueDeliveries(ctx, c.t.Add(59*time.Second))
	if got := deliveryIDs(due); len(got) != 1 || got[0] != due[0].ID || due[0].List != "eu-fsf" {
		t.Errorf("due before the retry time: %v, want only the second", got)
	}
	due, _ = s.DueDeliveries(ctx, c.t.Add(time.Minute))
	if len(due) != 2 || due[0].Attempts != 1 || due[0].LastError != "slack: 500 Internal Server Error" {
		t.Fatalf("due at the retry time: %+v", due)
	}

	// Progress part by part, then done.
	steps := []struct {
		p          Progress
		wantStatus string
		wantErr    string
	}{
		{p: Progress{Sent: 1, Channel: "C1", ThreadTS: "1.1", LastTS: "1.1"}, wantStatus: DeliveryPending},
		{p: Progress{Sent: 2, Channel: "C1", ThreadTS: "1.1", LastTS: "1.2"}, wantStatus: DeliveryPending},
		{p: Progress{Sent: 1, Channel: "C1", ThreadTS: "1.1", LastTS: "1.1"}, wantStatus: DeliveryPending, wantErr: "2 parts already recorded"},
		{p: Progress{Sent: 3, Channel: "C1", ThreadTS: "1.1", LastTS: "1.3", Done: true}, wantStatus: DeliverySent},
		{p: Progress{Sent: 4, Done: true}, wantStatus: DeliverySent, wantErr: "it is sent, not pending"},
	}
	for i, st := range steps {
		err := s.RecordProgress(ctx, first.ID, st.p)
		if st.wantErr == "" && err != nil || st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
			t.Errorf("step %d: error %v, want %q", i, err, st.wantErr)
		}
		d, err := s.Delivery(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != st.wantStatus {
			t.Errorf("step %d: status %s, want %s", i, d.Status, st.wantStatus)
		}
	}
	d, _ := s.Delivery(ctx, first.ID)
	want := Progress{Sent: 3, Channel: "C1", ThreadTS: "1.1", LastTS: "1.3", Done: true}
	if d.Progress != want || !d.SentAt.Equal(c.t) {
		t.Errorf("sent delivery: progress %+v sent at %v; want %+v at %v", d.Progress, d.SentAt, want, c.t)
	}
	if err := s.RecordFailure(ctx, first.ID, "late", c.t); err == nil {
		t.Error("a failure recorded on a sent delivery")
	}
	if _, err := s.Delivery(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing delivery: %v", err)
	}
	if err := s.RecordProgress(ctx, 999, Progress{Sent: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("progress of a missing delivery: %v", err)
	}

	due, _ = s.DueDeliveries(ctx, c.t.Add(time.Hour))
	if len(due) != 1 || due[0].List != "eu-fsf" {
		t.Errorf("due after sending the first: %v", deliveryIDs(due))
	}
}

func TestOutboxExpire(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c := newClock(s, "2024-03-01T00:00:00Z")
	for _, name := range []string{"old", "older-partial"} {
		if err := s.Enqueue(ctx, notice("ofac-sdn", name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordProgress(ctx, 2, Progress{Sent: 1, ThreadTS: "1.1", LastTS: "1.1"}); err != nil {
		t.Fatal(err)
	}
	c.advance(10 * 24 * time.Hour)
	if err := s.Enqueue(ctx, notice("ofac-sdn", "fresh")); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, notice("ofac-sdn", "sent")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordProgress(ctx, 4, Progress{Sent: 1, Done: true}); err != nil {
		t.Fatal(err)
	}

	maxAge := 72 * time.Hour
	expired, err := s.Expire(ctx, c.t.Add(-maxAge))
	if err != nil {
		t.Fatal(err)
	}
	if got := deliveryIDs(expired); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("expired %v, want the two from ten days ago", got)
	}
	for _, d := range expired {
		if d.Status != DeliveryExpired {
			t.Errorf("returned delivery %d has status %s", d.ID, d.Status)
		}
	}
	due, _ := s.DueDeliveries(ctx, c.t.Add(time.Hour))
	if got := deliveryIDs(due); len(got) != 1 || got[0] != 3 {
		t.Errorf("due after expiry: %v, want only the fresh one", got)
	}
	if again, _ := s.Expire(ctx, c.t.Add(-maxAge)); len(again) != 0 {
		t.Errorf("expired twice: %v", deliveryIDs(again))
	}

	tests := []struct {
		statuses []string
		want     []int64
	}{
		{nil, []int64{1, 2, 3, 4}},
		{[]string{DeliveryPending}, []int64{3}},
		{[]string{DeliveryPending, DeliveryExpired}, []int64{1, 2, 3}},
		{[]string{DeliverySent}, []int64{4}},
	}
	for _, tc := range tests {
		ds, err := s.Deliveries(ctx, tc.statuses...)
		if err != nil {
			t.Fatal(err)
		}
		if got := deliveryIDs(ds); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Deliveries(%v) = %v, want %v", tc.statuses, got, tc.want)
		}
	}

	if err := s.RecordFailure(ctx, 3, "invalid_auth", c.t); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, notice("eu-fsf", "new")); err != nil {
		t.Fatal(err)
	}
	counts, err := s.DeliveryCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(counts); got != "[{eu-fsf pending 1} {ofac-sdn expired 2} {ofac-sdn failed 1}]" {
		t.Errorf("counts %s", got)
	}
}

// TestOutboxCommitsWithSnapshot: deliveries enqueued from AfterSave live
// and die with their snapshot's transaction.
func TestOutboxCommitsWithSnapshot(t *testing.T) {
	ctx := context.Background()
	base := ents("1=ALPHA/CYBER2")
	next := ents("1=ALPHA/CYBER2", "2=BRAVO/CYBER2")
	tests := []struct {
		name      string
		hook      func(s *Store) func(context.Context, *sql.Tx, *SaveResult) error
		wantSaved bool
	}{
		{
			name: "enqueued",
			hook: func(s *Store) func(context.Context, *sql.Tx, *SaveResult) error {
				return func(ctx context.Context, tx *sql.Tx, res *SaveResult) error {
					return s.EnqueueTx(ctx, tx, []Delivery{{SnapshotID: res.Snapshot.ID, List: "ofac-sdn", Notifier: "slack", Channel: "#a", Payload: []byte(`{}`)}})
				}
			},
			wantSaved: true,
		},
		{
			name: "enqueue fails",
			hook: func(s *Store) func(context.Context, *sql.Tx, *SaveResult) error {
				return func(ctx context.Context, tx *sql.Tx, res *SaveResult) error {
					return s.EnqueueTx(ctx, tx, []Delivery{
						{SnapshotID: res.Snapshot.ID, List: "ofac-sdn", Notifier: "slack", Channel: "#a", Payload: []byte(`{}`)},
						{SnapshotID: res.Snapshot.ID, List: "ofac-sdn", Notifier: "slack", Channel: "#a", Payload: []byte(`{}`)}, // same channel twice
					})
				}
			},
		},
		{
			name: "hook fails after enqueueing",
			hook: func(s *Store) func(context.Context, *sql.Tx, *SaveResult) error {
				return func(ctx context.Context, tx *sql.Tx, res *SaveResult) error {
					if err := s.EnqueueTx(ctx, tx, []Delivery{{SnapshotID: res.Snapshot.ID, List: "ofac-sdn", Notifier: "slack", Payload: []byte(`{}`)}}); err != nil {
						return err
					}
					return errors.New("disk full")
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			save(t, s, "2021-10-29", base)
			res, err := s.SaveSnapshot(ctx, NewSnapshot{List: "ofac-sdn", Source: "test", PublishedAt: "2021-11-08",
				RawSHA256: "x", Entities: next, AfterSave: tc.hook(s)})
			if (err == nil) != tc.wantSaved {
				t.Fatalf("save: %v", err)
			}
			snaps, _ := s.Snapshots(ctx, "ofac-sdn")
			ds, _ := s.Deliveries(ctx)
			if tc.wantSaved {
				if len(snaps) != 2 || len(ds) != 1 || ds[0].SnapshotID != res.Snapshot.ID {
					t.Errorf("%d snapshots, deliveries %+v; want the new snapshot with its delivery", len(snaps), ds)
				}
				return
			}
			if len(snaps) != 1 || len(ds) != 0 {
				t.Errorf("after a failed hook: %d snapshots and %d deliveries, want the baseline alone", len(snaps), len(ds))
			}
		})
	}
}

func TestEnqueueRejectsIncomplete(t *testing.T) {
	s := openTest(t)
	tests := []Delivery{
		{Notifier: "slack", Payload: []byte(`{}`)},
		{List: "ofac-sdn", Payload: []byte(`{}`)},
		{List: "ofac-sdn", Notifier: "slack"},
		{List: "ofac-sdn", Notifier: "slack", Payload: []byte(`{}`), SnapshotID: 42}, // no such snapshot
	}
	for _, d := range tests {
		if err := s.Enqueue(context.Background(), d); err == nil {
			t.Errorf("enqueued %+v", d)
		}
	}
	if ds, _ := s.Deliveries(context.Background()); len(ds) != 0 {
		t.Errorf("%d deliveries stored", len(ds))
	}
}

// TestOutboxClaim: a claimed delivery is hidden from a second dispatcher
// until its lease ends; a sent one cannot be claimed at all.
func TestOutboxClaim(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c := newClock(s, "2021-11-08T10:00:00Z")
	if err := s.Enqueue(ctx, notice("ofac-sdn", "x")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordProgress(ctx, 1, Progress{Sent: 1, Channel: "C1", ThreadTS: "1.1", LastTS: "1.1"}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Claim(ctx, 1, c.t, c.t.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d.Progress.Sent != 1 || d.Progress.ThreadTS != "1.1" {
		t.Errorf("claimed delivery has progress %+v, want the recorded one", d.Progress)
	}
	tests := []struct {
		name string
		at   time.Duration
		ok   bool
	}{
		{"second dispatcher, same time", 0, false},
		{"second dispatcher, lease running", 9 * time.Minute, false},
		{"lease ran out (the first one died)", 10 * time.Minute, true},
	}
	for _, tc := range tests {
		_, err := s.Claim(ctx, 1, c.t.Add(tc.at), c.t.Add(tc.at+10*time.Minute))
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, ErrNotDue) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := s.RecordProgress(ctx, 1, Progress{Sent: 2, Done: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, 1, c.t.Add(time.Hour), c.t.Add(2*time.Hour)); !errors.Is(err, ErrNotDue) {
		t.Errorf("claiming a sent delivery: %v", err)
	}
}
