package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cybersanctions/tracker"
)

// FormatDrift is one drift as stored: when and with which snapshot the
// list first showed it.
type FormatDrift struct {
	List          string
	Kind, Name    string
	FirstSeenAt   string
	FirstSnapshot int64
	Example       string
}

// recordDriftTx stores the drift of a new snapshot and returns the drift
// the list had never shown before, which operators are told of. It runs in
// the snapshot's transaction: a snapshot rolled back takes its drift with
// it, so the next run reports it again.
func recordDriftTx(ctx context.Context, tx *sql.Tx, list string, snapshot int64, at string, drift []tracker.Drift) ([]tracker.Drift, error) {
	var fresh []tracker.Drift
	for _, d := range drift {
		r, err := tx.ExecContext(ctx, `INSERT INTO format_drift (list, kind, name, first_seen_at, first_snapshot, example)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (list, kind, name) DO NOTHING`,
			list, d.Kind, d.Name, at, snapshot, d.Example)
		if err != nil {
			return nil, fmt.Errorf("record format drift: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return nil, err
		} else if n == 1 {
			fresh = append(fresh, d)
		}
	}
	return fresh, nil
}

// FormatDrifts returns the drift recorded for a list ("" every list), in
// the order first seen.
func (s *Store) FormatDrifts(ctx context.Context, list string) ([]FormatDrift, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT list, kind, name, first_seen_at, first_snapshot, example FROM format_drift
		WHERE ? = '' OR list = ? ORDER BY first_snapshot, list, kind, name`, list, list)
	if err != nil {
		return nil, fmt.Errorf("format drift: %w", err)
	}
	return scanAll(rows, func(row scanner) (FormatDrift, error) {
		var d FormatDrift
		if err := row.Scan(&d.List, &d.Kind, &d.Name, &d.FirstSeenAt, &d.FirstSnapshot, &d.Example); err != nil {
			return FormatDrift{}, fmt.Errorf("format drift: %w", err)
		}
		return d, nil
	})
}
