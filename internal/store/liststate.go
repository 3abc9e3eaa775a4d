package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Outcome is what a check of a list found.
type Outcome string

const (
	// Unchanged: the server answered 304 Not Modified, or sent content equal
	// to the list's latest snapshot. Nothing was stored.
	Unchanged Outcome = "unchanged"
	// Stored: a new snapshot was stored.
	Stored Outcome = "stored"
	// Failed: the download, parse or store failed; nothing was stored.
	Failed Outcome = "failed"
)

// Check is one attempt to fetch and store a list.
type Check struct {
	ID          int64
	List        string
	StartedAt   time.Time
	Duration    time.Duration
	Outcome     Outcome
	NotModified bool  // every file answered 304 Not Modified
	Snapshot    int64 // the stored snapshot, or the unchanged latest one; 0 if none
	Bytes       int64 // bytes downloaded
	Error       string
	// Conditional: every request carried validators from the last check,
	// so the answer shows whether the server honours them.
	Conditional bool
	// Validators: every response carried an ETag or a Last-Modified.
	Validators bool
}

// String says what the check found, for people and logs.
func (c Check) String() string {
	switch c.Outcome {
	case Stored:
		return fmt.Sprintf("stored snapshot %d", c.Snapshot)
	case Unchanged:
		if c.NotModified {
			return "checked, unchanged (304 Not Modified)"
		}
		return "checked, unchanged"
	default:
		return "failed: " + c.Error
	}
}

// ListState is what the daemon remembers about a list between checks.
type ListState struct {
	List                string
	LastAttempt         time.Time // zero: never checked
	LastSuccess         time.Time // zero: never succeeded
	ConsecutiveFailures int
	FailingSince        time.Time // first failure of the current streak
	LastError           string
	// AlertSent: the operators were told about the current failure streak.
	AlertSent bool
}

// Transition is a change in a list's health that operators hear about.
type Transition int

const (
	NoTransition Transition = iota
	// StartedFailing: the failure streak just reached the threshold.
	StartedFailing
	// Recovered: a check succeeded after operators were told of a failure.
	Recovered
)

// CheckOptions control how RecordCheck updates the list's state.
type CheckOptions struct {
	// FailureThreshold is the number of consecutive failures at which the
	// operators are alerted, once per streak. 0 or less: never.
	FailureThreshold int
	// OnTransition, if set, runs inside RecordCheck's transaction when the
	// list starts failing or recovers, so that the operator notice it
	// enqueues commits with the state that says it was sent. An error
	// rolls both back. prev is the state before this check, cur after it.
	OnTransition func(ctx context.Context, tx *sql.Tx, t Transition, prev, cur ListState) error
}

// RecordCheck stores a check and updates the list's state in one
// transaction. It returns the new state and whether it crossed the failure
// threshold or recovered.
func (s *Store) RecordCheck(ctx context.Context, c Check, opts CheckOptions) (ListState, Transition, error) {
	if c.List == "" {
		return ListState{}, NoTransition, errors.New("record check: no list name")
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = s.Now()
	}
	var st ListState
	var tr Transition
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		prev, err := listStateTx(ctx, tx, c.List)
		if err != nil {
			return err
		}
		st = prev
		st.LastAttempt = c.StartedAt.UTC()
		if c.Outcome == Failed {
			if st.ConsecutiveFailures == 0 {
				st.FailingSince = st.LastAttempt
			}
			st.ConsecutiveFailures++
			st.LastError = c.Error
			if opts.FailureThreshold > 0 && st.ConsecutiveFailures >= opts.FailureThreshold && !st.AlertSent {
				st.AlertSent = true
				tr = StartedFailing
			}
		} else {
			if st.AlertSent {
				tr = Recovered
			}
			st.LastSuccess = st.LastAttempt
			st.ConsecutiveFailures = 0
			st.FailingSince = time.Time{}
			st.LastError = ""
			st.AlertSent = false
		}

		var snapshot any
		if c.Snapshot != 0 {
			snapshot = c.Snapshot
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO checks (list, started_at, duration_ms, outcome, not_modified, snapshot_id, bytes, error, conditional, validators)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.List, formatTime(c.StartedAt), c.Duration.Milliseconds(), string(c.Outcome), c.NotModified, snapshot, c.Bytes, c.Error, c.Conditional, c.Validators)
		if err != nil {
			return fmt.Errorf("insert check: %w", err)
		}
		if c.ID, err = r.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO list_state (list, last_attempt_at, last_success_at, consecutive_failures, failing_since, last_error, alert_sent)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (list) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at,
				consecutive_failures = excluded.consecutive_failures, failing_since = excluded.failing_since,
				last_error = excluded.last_error, alert_sent = excluded.alert_sent`,
			st.List, optTime(st.LastAttempt), optTime(st.LastSuccess), st.ConsecutiveFailures, optTime(st.FailingSince), st.LastError, st.AlertSent); err != nil {
			return fmt.Errorf("update state: %w", err)
		}
		if tr != NoTransition && opts.OnTransition != nil {
			return opts.OnTransition(ctx, tx, tr, prev, st)
		}
		return nil
	})
	if err != nil {
		return ListState{}, NoTransition, fmt.Errorf("record check of %s: %w", c.List, err)
	}
	return st, tr, nil
}

// ListState returns what is known of a list; a list never checked has a
// zero state.
func (s *Store) ListState(ctx context.Context, list string) (ListState, error) {
	var st ListState
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		st, err = listStateTx(ctx, tx, list)
		return err
	})
	return st, err
}

// ListStates returns the state of every list ever checked, by name.
func (s *Store) ListStates(ctx context.Context) ([]ListState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+listStateColumns+` FROM list_state ORDER BY list`)
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	defer rows.Close()
	var out []ListState
	for rows.Next() {
		st, err := scanListState(rows)
		if err != nil {
			return nil, fmt.Errorf("list states: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

const listStateColumns = `list, last_attempt_at, last_success_at, consecutive_failures, failing_since, last_error, alert_sent`

func listStateTx(ctx context.Context, q querier, list string) (ListState, error) {
	st, err := scanListState(q.QueryRowContext(ctx, `SELECT `+listStateColumns+` FROM list_state WHERE list = ?`, list))
	if errors.Is(err, sql.ErrNoRows) {
		return ListState{List: list}, nil
	}
	if err != nil {
		return ListState{}, fmt.Errorf("state of %s: %w", list, err)
	}
	return st, nil
}

func scanListState(row scanner) (ListState, error) {
	var st ListState
	var attempt, success, since string
	if err := row.Scan(&st.List, &attempt, &success, &st.ConsecutiveFailures, &since, &st.LastError, &st.AlertSent); err != nil {
		return ListState{}, err
	}
	var err error
	for _, f := range []struct {
		s string
		t *time.Time
	}{{attempt, &st.LastAttempt}, {success, &st.LastSuccess}, {since, &st.FailingSince}} {
		if f.s == "" {
			continue
		}
		if *f.t, err = parseTime(f.s); err != nil {
			return ListState{}, err
		}
	}
	return st, nil
}

// optTime stores a zero time as the empty string.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// Checks returns the list's most recent checks, newest first; limit <= 0
// means all. An empty list name means every list.
func (s *Store) Checks(ctx context.Context, list string, limit int) ([]Check, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+checkColumns+`
		FROM checks WHERE ? = '' OR list = ? ORDER BY id DESC LIMIT ?`, list, list, limit)
	if err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	return scanAll(rows, scanCheck)
}

const checkColumns = `id, list, started_at, duration_ms, outcome, not_modified, COALESCE(snapshot_id, 0), bytes, error, conditional, validators`

func scanCheck(row scanner) (Check, error) {
	var c Check
	var started string
	var ms int64
	if err := row.Scan(&c.ID, &c.List, &started, &ms, &c.Outcome, &c.NotModified, &c.Snapshot, &c.Bytes, &c.Error, &c.Conditional, &c.Validators); err != nil {
		return Check{}, fmt.Errorf("checks: %w", err)
	}
	var err error
	if c.StartedAt, err = parseTime(started); err != nil {
		return Check{}, fmt.Errorf("checks: %w", err)
	}
	c.Duration = time.Duration(ms) * time.Millisecond
	return c, nil
}

// PollFacts are what a list's past checks say about its server, for
// adaptive polling: the last successful check, and the last successful
// one that was conditional. A zero Check (ID 0) is none.
type PollFacts struct {
	LastSuccess     Check
	LastConditional Check
}

// PollFacts reads the list's last successful check and its last successful
// conditional one.
func (s *Store) PollFacts(ctx context.Context, list string) (PollFacts, error) {
	var f PollFacts
	for _, q := range []struct {
		where string
		dst   *Check
	}{
		{`outcome <> 'failed'`, &f.LastSuccess},
		{`outcome <> 'failed' AND conditional = 1`, &f.LastConditional},
	} {
		c, err := scanCheck(s.r.QueryRowContext(ctx, `SELECT `+checkColumns+` FROM checks WHERE list = ? AND `+q.where+` ORDER BY id DESC LIMIT 1`, list))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return PollFacts{}, fmt.Errorf("poll facts of %s: %w", list, err)
		}
		*q.dst = c
	}
	return f, nil
}

// Validators are the HTTP cache validators of one downloaded URL.
type Validators struct {
	ETag         string
	LastModified string
}

// IsZero reports whether there is nothing to send in a conditional request.
func (v Validators) IsZero() bool { return v.ETag == "" && v.LastModified == "" }

// URLValidators are a URL's validators, with the URL redacted for people.
type URLValidators struct {
	URL         string // the full URL, possibly with a secret; never stored
	RedactedURL string
	Validators
}

// urlKey keys a URL without storing it: it may carry a secret.
func urlKey(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])
}

// Validators returns the stored validators of each of urls of a list; a
// URL without any maps to zero Validators.
func (s *Store) Validators(ctx context.Context, list string, urls []string) (map[string]Validators, error) {
	out := make(map[string]Validators, len(urls))
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		for _, u := range urls {
			var v Validators
			err := tx.QueryRowContext(ctx, `SELECT etag, last_modified FROM list_validators WHERE list = ? AND url_sha256 = ?`,
				list, urlKey(u)).Scan(&v.ETag, &v.LastModified)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			out[u] = v
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("validators of %s: %w", list, err)
	}
	return out, nil
}

// SaveValidators replaces the list's validators with vs: a URL no longer
// fetched loses its entry, and one whose server sent none is forgotten, so
// the next request for it is unconditional.
func (s *Store) SaveValidators(ctx context.Context, list string, vs []URLValidators) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM list_validators WHERE list = ?`, list); err != nil {
			return err
		}
		for _, v := range vs {
			if v.IsZero() {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO list_validators (list, url_sha256, url, etag, last_modified) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (list, url_sha256) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified`,
				list, urlKey(v.URL), v.RedactedURL, v.ETag, v.LastModified); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save validators of %s: %w", list, err)
	}
	return nil
}
