package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cybersanctions/tracker"
)

// ErrNotRetractable is returned when a snapshot cannot be retracted.
var ErrNotRetractable = errors.New("cannot be retracted")

// Retraction is what retracting a snapshot does (or, dry, would do).
type Retraction struct {
	Snapshot tracker.Snapshot
	// Restored is the snapshot that is the list's latest again; nil when
	// the retracted one was the list's first.
	Restored *tracker.Snapshot
	// Added, Closed: memberships the snapshot opened (deleted) and closed
	// (reopened).
	Added, Closed int64
	// Cancelled: its alerts that were still pending and will not be sent.
	Cancelled int64
}

// Retract withdraws a wrongly stored snapshot, such as one whose
// publication date lies in the future and so makes every real publication
// look older. Only a list's latest active snapshot can be retracted: the
// ones after it were compared against it. The row stays for audit with
// when and why; its memberships are undone so that the snapshot before it
// is the list's latest again, and its pending alerts are cancelled. With
// dry set nothing is written.
func (s *Store) Retract(ctx context.Context, id int64, reason string, dry bool) (*Retraction, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fmt.Errorf("retract snapshot %d: a reason is required: %w", id, ErrNotRetractable)
	}
	var out *Retraction
	errDry := errors.New("dry run")
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		sn, err := retractableTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if out, err = measureRetraction(ctx, tx, sn); err != nil {
			return err
		}
		if dry {
			return errDry
		}
		if err := undoSnapshotTx(ctx, tx, sn, reason, formatTime(s.Now())); err != nil {
			return err
		}
		out.Snapshot.Status = tracker.SnapshotRetracted
		return nil
	})
	if errors.Is(err, errDry) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retract: %w", err)
	}
	return out, nil
}

// retractableTx returns the snapshot if it may be retracted: only the
// list's latest active one, since every later snapshot's changes were
// computed against the one before it.
func retractableTx(ctx context.Context, tx *sql.Tx, id int64) (*tracker.Snapshot, error) {
	sn, err := scanSnapshot(tx.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	if sn.Status != tracker.SnapshotActive {
		return nil, fmt.Errorf("snapshot %d is %s, not active: %w", id, sn.Status, ErrNotRetractable)
	}
	latest, err := latestTx(ctx, tx, sn.List)
	if err != nil {
		return nil, err
	}
	if latest.ID != sn.ID {
		return nil, fmt.Errorf("snapshot %d is not the latest of %s (%s is): later snapshots were compared against it: %w",
			id, sn.List, latest.Label(), ErrNotRetractable)
	}
	return sn, nil
}

// measureRetraction counts what retracting the snapshot undoes, so that a
// dry run can show it before anything is written.
func measureRetraction(ctx context.Context, tx *sql.Tx, sn *tracker.Snapshot) (*Retraction, error) {
	r := &Retraction{Snapshot: *sn}
	count := func(q string) (n int64, err error) {
		err = tx.QueryRowContext(ctx, q, sn.List, sn.ID).Scan(&n)
		return n, err
	}
	var err error
	if r.Added, err = count(`SELECT count(*) FROM memberships WHERE list = ? AND from_snapshot = ?`); err != nil {
		return nil, err
	}
	if r.Closed, err = count(`SELECT count(*) FROM memberships WHERE list = ? AND to_snapshot = ?`); err != nil {
		return nil, err
	}
	if r.Cancelled, err = count(`SELECT count(*) FROM deliveries WHERE list = ? AND snapshot_id = ? AND status = 'pending'`); err != nil {
		return nil, err
	}
	prev, err := beforeTx(ctx, tx, sn)
	switch {
	case err == nil:
		r.Restored = prev
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	return r, nil
}

// undoSnapshotTx makes the snapshot before sn the list's latest again and
// keeps sn's row, marked with when and why, for audit.
func undoSnapshotTx(ctx context.Context, tx *sql.Tx, sn *tracker.Snapshot, reason, now string) error {
	id := sn.ID
	steps := []struct{ what, q string }{
		{"undo memberships", `DELETE FROM memberships WHERE list = ? AND from_snapshot = ?`},
		{"reopen memberships", `UPDATE memberships SET to_snapshot = NULL WHERE list = ? AND to_snapshot = ?`},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, sn.List, id); err != nil {
			return fmt.Errorf("%s of snapshot %d: %w", st.what, id, err)
		}
	}
	// The validators are those of the retracted download: a 304
	// against them would keep the publication from being fetched again.
	if _, err := tx.ExecContext(ctx, `DELETE FROM list_validators WHERE list = ?`, sn.List); err != nil {
		return fmt.Errorf("forget validators of %s: %w", sn.List, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'expired', last_error = ?
		WHERE snapshot_id = ? AND status = 'pending'`, "snapshot retracted: "+reason, id); err != nil {
		return fmt.Errorf("cancel alerts of snapshot %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET retracted_at = ?, retract_reason = ? WHERE id = ?`, now, reason, id); err != nil {
		return fmt.Errorf("mark snapshot %d retracted: %w", id, err)
	}
	return nil
}
