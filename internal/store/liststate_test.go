package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// TestRecordCheckFailureStreak walks a list through checks and says, after
// each, what its state and transition must be with a threshold of 3.
func TestRecordCheckFailureStreak(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	base := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

	type step struct {
		outcome   Outcome
		err       string
		failures  int
		alertSent bool
		want      Transition
	}
	steps := []step{
		{outcome: Stored, failures: 0, want: NoTransition},
		{outcome: Failed, err: "GET https://x/sdn.xml: 500", failures: 1},
		{outcome: Failed, err: "GET https://x/sdn.xml: 500", failures: 2},
		{outcome: Failed, err: "GET https://x/sdn.xml: 503", failures: 3, alertSent: true, want: StartedFailing},
		{outcome: Failed, err: "GET https://x/sdn.xml: 503", failures: 4, alertSent: true}, // told once per streak
		{outcome: Unchanged, failures: 0, want: Recovered},
		{outcome: Failed, err: "timeout", failures: 1},
		{outcome: Unchanged, failures: 0}, // a streak below the threshold recovers silently
	}
	var transitions []Transition
	hook := func(_ context.Context, tx *sql.Tx, tr Transition, prev, st ListState) error {
		transitions = append(transitions, tr)
		if tr == Recovered && (prev.ConsecutiveFailures != 4 || !prev.AlertSent || prev.FailingSince.IsZero()) {
			t.Errorf("recovery hook: previous state %+v, want the 4-failure streak", prev)
		}
		// The hook sees the transaction with the state already written.
		var sent bool
		if err := tx.QueryRow(`SELECT alert_sent FROM list_state WHERE list = ?`, st.List).Scan(&sent); err != nil {
			return err
		}
		if sent != (tr == StartedFailing) {
			t.Errorf("inside the hook for %v: alert_sent = %v", tr, sent)
		}
		return nil
	}
	for i, sp := range steps {
		at := base.Add(time.Duration(i) * time.Hour)
		st, tr, err := s.RecordCheck(ctx, Check{List: "ofac-sdn", StartedAt: at, Outcome: sp.outcome, Error: sp.err},
			CheckOptions{FailureThreshold: 3, OnTransition: hook})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if st.ConsecutiveFailures != sp.failures || st.AlertSent != sp.alertSent || tr != sp.want {
			t.Errorf("step %d (%s): failures=%d alertSent=%v transition=%v; want %d %v %v",
				i, sp.outcome, st.ConsecutiveFailures, st.AlertSent, tr, sp.failures, sp.alertSent, sp.want)
		}
		if !st.LastAttempt.Equal(at) {
			t.Errorf("step %d: last attempt %v, want %v", i, st.LastAttempt, at)
		}
		if sp.outcome == Failed && st.LastError != sp.err {
			t.Errorf("step %d: last error %q, want %q", i, st.LastError, sp.err)
		}
	}
	if len(transitions) != 2 || transitions[0] != StartedFailing || transitions[1] != Recovered {
		t.Errorf("hook saw %v, want [StartedFailing Recovered]", transitions)
	}

	got, err := s.ListState(ctx, "ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	last := base.Add(time.Duration(len(steps)-1) * time.Hour)
	if !got.LastSuccess.Equal(last) || got.ConsecutiveFailures != 0 || got.LastError != "" || !got.FailingSince.IsZero() {
		t.Errorf("stored state %+v", got)
	}
	checks, err := s.Checks(ctx, "ofac-sdn", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != len(steps) || checks[0].Outcome != Unchanged || checks[len(checks)-1].Outcome != Stored {
		t.Errorf("checks newest first: got %d, first %v last %v", len(checks), checks[0].Outcome, checks[len(checks)-1].Outcome)
	}
}

func TestRecordCheckFailingSince(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, _, err := s.RecordCheck(ctx, Check{List: "eu-fsf", StartedAt: t0.Add(time.Duration(i) * time.Minute), Outcome: Failed, Error: "x"}, CheckOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.ListState(ctx, "eu-fsf")
	if err != nil {
		t.Fatal(err)
	}
	if !st.FailingSince.Equal(t0) || st.ConsecutiveFailures != 3 || st.AlertSent || !st.LastSuccess.IsZero() {
		t.Errorf("state %+v: want failing since %v, 3 failures, no alert (threshold 0), never succeeded", st, t0)
	}
}

// A hook that fails rolls back the check and the state, so the alert is
// tried again on the next failure rather than marked sent and lost.
func TestRecordCheckHookFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	boom := errors.New("outbox full")
	opts := CheckOptions{FailureThreshold: 1, OnTransition: func(context.Context, *sql.Tx, Transition, ListState, ListState) error { return boom }}
	if _, _, err := s.RecordCheck(ctx, Check{List: "ofac-sdn", Outcome: Failed, Error: "x"}, opts); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the hook's", err)
	}
	st, err := s.ListState(ctx, "ofac-sdn")
	if err != nil {
		t.Fatal(err)
	}
	checks, err := s.Checks(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.ConsecutiveFailures != 0 || st.AlertSent || len(checks) != 0 {
		t.Errorf("after a failed hook: state %+v, %d checks; want nothing recorded", st, len(checks))
	}
	_, tr, err := s.RecordCheck(ctx, Check{List: "ofac-sdn", Outcome: Failed, Error: "x"}, CheckOptions{FailureThreshold: 1})
	if err != nil || tr != StartedFailing {
		t.Errorf("retry: transition %v, err %v; want StartedFailing", tr, err)
	}
}

func TestCheckString(t *testing.T) {
	tests := map[string]struct {
		c    Check
		want string
	}{
		"stored":       {Check{Outcome: Stored, Snapshot: 7}, "stored snapshot 7"},
		"same content": {Check{Outcome: Unchanged, Snapshot: 7}, "checked, unchanged"},
		"304":          {Check{Outcome: Unchanged, NotModified: true}, "checked, unchanged (304 Not Modified)"},
		"failed":       {Check{Outcome: Failed, Error: "GET x: 500"}, "failed: GET x: 500"},
	}
	for name, tc := range tests {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}

func TestChecksRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	snap := save(t, s, "2024-01-01", ents("1=ALPHA/CYBER2")).Snapshot
	in := Check{List: "ofac-sdn", StartedAt: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC), Duration: 1500 * time.Millisecond,
		Outcome: Stored, Snapshot: snap.ID, Bytes: 12345}
	if _, _, err := s.RecordCheck(ctx, in, CheckOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordCheck(ctx, Check{List: "eu-fsf", Outcome: Failed, Error: "boom"}, CheckOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Checks(ctx, "ofac-sdn", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d checks of ofac-sdn, want 1", len(got))
	}
	g := got[0]
	g.ID = 0
	if g != in {
		t.Errorf("round trip:\n got %+v\nwant %+v", g, in)
	}
	all, err := s.Checks(ctx, "", 1)
	if err != nil || len(all) != 1 || all[0].List != "eu-fsf" {
		t.Errorf("newest check of all lists: %+v, %v", all, err)
	}
	states, err := s.ListStates(ctx)
	if err != nil || len(states) != 2 || states[0].List != "eu-fsf" || states[1].List != "ofac-sdn" {
		t.Errorf("list states: %+v, %v", states, err)
	}
}

func TestValidators(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	secret := "https://lists.example/sdn.xml?token=s3cr3t"
	plain := "https://lists.example/add.csv"
	urls := []string{secret, plain}

	got, err := s.Validators(ctx, "ofac-sdn", urls)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[secret].IsZero() || !got[plain].IsZero() {
		t.Fatalf("before any save: %+v", got)
	}

	save := []URLValidators{
		{URL: secret, RedactedURL: "https://lists.example/sdn.xml?token=REDACTED", Validators: Validators{ETag: `"abc"`, LastModified: "Mon, 30 Jun 2025 10:00:00 GMT"}},
		{URL: plain, RedactedURL: plain, Validators: Validators{ETag: `W/"1"`}},
	}
	if err := s.SaveValidators(ctx, "ofac-sdn", save); err != nil {
		t.Fatal(err)
	}
	got, err = s.Validators(ctx, "ofac-sdn", urls)
	if err != nil {
		t.Fatal(err)
	}
	if got[secret] != save[0].Validators || got[plain] != save[1].Validators {
		t.Errorf("after save: %+v", got)
	}
	other, err := s.Validators(ctx, "ofac-consolidated", urls)
	if err != nil || !other[secret].IsZero() {
		t.Errorf("validators leak to another list: %+v %v", other, err)
	}

	// The URL's secret is never stored.
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM list_validators WHERE url LIKE '%s3cr3t%' OR url_sha256 LIKE '%s3cr3t%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("secret stored in %d rows (err %v)", n, err)
	}

	// Saving again replaces: a URL answered without validators is forgotten.
	if err := s.SaveValidators(ctx, "ofac-sdn", []URLValidators{{URL: secret, Validators: Validators{ETag: `"def"`}}, {URL: plain}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Validators(ctx, "ofac-sdn", urls)
	if err != nil {
		t.Fatal(err)
	}
	if got[secret].ETag != `"def"` || got[secret].LastModified != "" || !got[plain].IsZero() {
		t.Errorf("after replace: %+v", got)
	}
}
