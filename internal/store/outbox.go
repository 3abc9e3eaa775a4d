package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Delivery states.
const (
	DeliveryPending = "pending" // not yet accepted in full by its notifier
	DeliverySent    = "sent"    // every part accepted
	DeliveryExpired = "expired" // older than notify.max_age before it could be sent: dropped
)

// Delivery is one alert in the outbox, for one notifier and channel.
type Delivery struct {
	ID         int64
	SnapshotID int64 // 0: an operator notice, not tied to a snapshot
	List       string
	Notifier   string // the notifier's Name(): "slack", "stdout"
	Channel    string // "": the notifier's own (webhook, stdout)
	// Payload is the JSON of the notify.Alert. The store keeps it opaque:
	// the alert's shape belongs to the notifier package.
	Payload       []byte
	CreatedAt     time.Time
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	Progress      Progress
	SentAt        time.Time // zero until sent
}

// Progress is how far a multi-part delivery got: the parts the notifier
// accepted, and where Slack put them so later parts can join the thread.
type Progress struct {
	Sent     int    // parts accepted
	Channel  string // the channel id Slack answered with
	ThreadTS string // the first message, which later parts reply to
	LastTS   string
	// Done: every part was accepted; the delivery is sent.
	Done bool
}

// DeliveryCount is how many deliveries of a list are in a state.
type DeliveryCount struct {
	List  string
	State string // DeliveryPending, DeliveryExpired, or "failed": pending after a failed attempt
	Count int
}

// outboxTimeFormat is fixed-width so that comparing the stored text
// compares the times; RFC 3339 with trimmed fractions does not sort.
const outboxTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func outboxTime(t time.Time) string { return t.UTC().Format(outboxTimeFormat) }

// EnqueueTx adds deliveries inside the caller's transaction: the ingest
// hook (store.NewSnapshot.AfterSave) uses it so that a snapshot and its
// alerts commit together or not at all. Each delivery is due at once.
func (s *Store) EnqueueTx(ctx context.Context, tx *sql.Tx, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries
		(snapshot_id, list, notifier, channel, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	defer stmt.Close()
	now := s.Now()
	for _, d := range ds {
		if d.List == "" || d.Notifier == "" || len(d.Payload) == 0 {
			return fmt.Errorf("enqueue delivery for list %q notifier %q: list, notifier and payload are required", d.List, d.Notifier)
		}
		created := d.CreatedAt
		if created.IsZero() {
			created = now
		}
		var snapshot any
		if d.SnapshotID != 0 {
			snapshot = d.SnapshotID
		}
		if _, err := stmt.ExecContext(ctx, snapshot, d.List, d.Notifier, d.Channel, string(d.Payload),
			outboxTime(created), outboxTime(created)); err != nil {
			return fmt.Errorf("enqueue delivery of %s to %s %s: %w", d.List, d.Notifier, d.Channel, err)
		}
	}
	return nil
}

// Enqueue adds one delivery in a transaction of its own, for notices that
// do not belong to a snapshot.
func (s *Store) Enqueue(ctx context.Context, d Delivery) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error { return s.EnqueueTx(ctx, tx, []Delivery{d}) })
}

const deliveryColumns = `id, snapshot_id, list, notifier, channel, payload, created_at, status, attempts,
	next_attempt_at, last_error, parts_sent, posted_channel, thread_ts, last_ts, sent_at`

func scanDelivery(row scanner) (Delivery, error) {
	var d Delivery
	var snapshot sql.NullInt64
	var payload, created, next, sent string
	if err := row.Scan(&d.ID, &snapshot, &d.List, &d.Notifier, &d.Channel, &payload, &created, &d.Status, &d.Attempts,
		&next, &d.LastError, &d.Progress.Sent, &d.Progress.Channel, &d.Progress.ThreadTS, &d.Progress.LastTS, &sent); err != nil {
		return Delivery{}, err
	}
	d.SnapshotID = snapshot.Int64
	d.Payload = []byte(payload)
	d.Progress.Done = d.Status == DeliverySent
	var err error
	if d.CreatedAt, err = parseTime(created); err != nil {
		return Delivery{}, err
	}
	if d.NextAttemptAt, err = parseTime(next); err != nil {
		return Delivery{}, err
	}
	if sent != "" {
		if d.SentAt, err = parseTime(sent); err != nil {
			return Delivery{}, err
		}
	}
	return d, nil
}

func (s *Store) queryDeliveries(ctx context.Context, q string, args ...any) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanDelivery)
}

// DueDeliveries returns the pending deliveries whose next attempt is due at
// now, oldest first, so that the alerts of a list arrive in the order its
// snapshots were stored.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time) ([]Delivery, error) {
	ds, err := s.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id`, outboxTime(now))
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return ds, nil
}

// Delivery returns one delivery, or ErrNotFound.
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	ds, err := s.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id)
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %d: %w", id, err)
	}
	if len(ds) == 0 {
		return Delivery{}, fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

// Deliveries returns the deliveries in the given states (all when none),
// oldest first.
func (s *Store) Deliveries(ctx context.Context, statuses ...string) ([]Delivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM deliveries`
	var args []any
	for i, st := range statuses {
		if i == 0 {
			q += ` WHERE status IN (?`
		} else {
			q += `, ?`
		}
		args = append(args, st)
	}
	if len(statuses) > 0 {
		q += `)`
	}
	ds, err := s.queryDeliveries(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return ds, nil
}

// RecordProgress stores how far a delivery got. The dispatcher calls it
// after every part the notifier accepted, so that a delivery resumed after
// a failure or a crash never sends an accepted part again; with p.Done the
// delivery is sent. Progress never goes backwards.
func (s *Store) RecordProgress(ctx context.Context, id int64, p Progress) error {
	status, sentAt := DeliveryPending, ""
	if p.Done {
		status, sentAt = DeliverySent, outboxTime(s.Now())
	}
	return s.updateDelivery(ctx, id, "record progress of", `UPDATE deliveries
		SET parts_sent = ?, posted_channel = ?, thread_ts = ?, last_ts = ?, status = ?,
		    sent_at = CASE WHEN ? = '' THEN sent_at ELSE ? END
		WHERE id = ? AND status = 'pending' AND parts_sent <= ?`,
		p.Sent, p.Channel, p.ThreadTS, p.LastTS, status, sentAt, sentAt, id, p.Sent)
}

// RecordFailure counts a failed attempt: the delivery stays pending, due
// again at next.
// The attempt is over, so the dispatcher's lease ends with it.
func (s *Store) RecordFailure(ctx context.Context, id int64, errText string, next time.Time) error {
	return s.updateDelivery(ctx, id, "record failure of", `UPDATE deliveries
		SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, leased_until = NULL
		WHERE id = ? AND status = 'pending'`, errText, outboxTime(next), id)
}

// RecordFailureHeld counts a failed attempt of a delivery its dispatcher
// keeps for another try in the same run: the lease extends to next, so
// neither another process nor `notify --now` takes it during the wait.
func (s *Store) RecordFailureHeld(ctx context.Context, id int64, errText string, next time.Time) error {
	return s.updateDelivery(ctx, id, "record failure of", `UPDATE deliveries
		SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, leased_until = ?
		WHERE id = ? AND status = 'pending'`, errText, outboxTime(next), outboxTime(next), id)
}

// DueNow makes every pending delivery waiting out a backoff due at now,
// for an operator who wants the alerts sent without waiting. A delivery
// under another dispatcher's lease is left alone: it is being sent, and
// taking it too could post it twice. It returns how many it made due.
func (s *Store) DueNow(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?
			WHERE status = 'pending' AND next_attempt_at > ? AND (leased_until IS NULL OR leased_until <= ?)`,
			outboxTime(now), outboxTime(now), outboxTime(now))
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("make deliveries due: %w", err)
	}
	return int(n), nil
}

// updateDelivery runs an update of one pending delivery and fails when
// there is none, so that a delivery already sent or expired is never
// quietly written over.
func (s *Store) updateDelivery(ctx context.Context, id int64, what, q string, args ...any) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("%s delivery %d: %w", what, id, err)
		}
		if n, err := r.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var status string
		var parts int
		err = tx.QueryRowContext(ctx, `SELECT status, parts_sent FROM deliveries WHERE id = ?`, id).Scan(&status, &parts)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s delivery %d: %w", what, id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("%s delivery %d: %w", what, id, err)
		}
		if status != DeliveryPending {
			return fmt.Errorf("%s delivery %d: it is %s, not pending", what, id, status)
		}
		return fmt.Errorf("%s delivery %d: %d parts already recorded as sent", what, id, parts)
	})
}

// Expire marks every delivery still pending that was created before cutoff
// as expired, and returns them. An alert held back for weeks by an outage
// is stale news; sending a backlog of them would bury the current one.
func (s *Store) Expire(ctx context.Context, cutoff time.Time) ([]Delivery, error) {
	var out []Delivery
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'expired'
			WHERE status = 'pending' AND created_at < ? RETURNING `+deliveryColumns, outboxTime(cutoff))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("expire deliveries: %w", err)
	}
	slices.SortFunc(out, func(a, b Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeliveryCounts counts the deliveries not sent, per list and state:
// pending (not yet tried or not yet failed), failed (pending after a failed
// attempt) and expired.
func (s *Store) DeliveryCounts(ctx context.Context) ([]DeliveryCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT list,
		CASE WHEN status = 'pending' AND last_error != '' THEN 'failed' ELSE status END AS state, count(*)
		FROM deliveries WHERE status != 'sent' GROUP BY list, state ORDER BY list, state`)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	return scanAll(rows, func(row scanner) (DeliveryCount, error) {
		var c DeliveryCount
		err := row.Scan(&c.List, &c.State, &c.Count)
		return c, err
	})
}

// ErrNotDue is returned by Claim when the delivery is no longer pending
// and due: sent, expired, or claimed by another dispatcher.
var ErrNotDue = errors.New("delivery not pending and due")

// Claim takes a due delivery for one dispatcher until the lease ends, and
// returns it as it is now. The daemon and an ad-hoc `tracker import` may
// share the database; without the lease both could send the same alert.
// A dispatcher killed mid-delivery leaves a lease that simply runs out, and
// the next run resumes from the recorded progress.
func (s *Store) Claim(ctx context.Context, id int64, now, until time.Time) (Delivery, error) {
	var d Delivery
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, `UPDATE deliveries SET next_attempt_at = ?, leased_until = ?
			WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? RETURNING `+deliveryColumns,
			outboxTime(until), outboxTime(until), id, outboxTime(now)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("claim delivery %d: %w", id, ErrNotDue)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("claim delivery %d: %w", id, err)
	}
	return d, nil
}
