package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
)

// Diff returns every change (all regimes) from snapshot older to snapshot
// newer, which may be of different lists. Within one list it reads only
// the entities whose version differs between the two, as memberships tell
// without decoding anything, so its cost follows the size of the change,
// not of the list; it gives what diff.Compare gives on both snapshots'
// whole entity sets.
func (s *Store) Diff(ctx context.Context, older, newer *tracker.Snapshot) ([]tracker.Change, error) {
	for _, sn := range []*tracker.Snapshot{older, newer} {
		if sn.Status == tracker.SnapshotQuarantined {
			return nil, fmt.Errorf("entities of %s: %w", sn.Label(), ErrQuarantined)
		}
	}
	if older.List != newer.List {
		old, err := s.Entities(ctx, older)
		if err != nil {
			return nil, err
		}
		cur, err := s.Entities(ctx, newer)
		if err != nil {
			return nil, err
		}
		return diff.Compare(newer.List, old, cur), nil
	}
	lo, hi := older, newer
	if lo.ID > hi.ID {
		lo, hi = hi, lo
	}
	var onlyLo, onlyHi []*tracker.Entity
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		// A membership in lo but not in hi ended after lo, by hi; one in
		// hi but not in lo began after lo. Memberships in both are the
		// unchanged entities, never read.
		rows, err := tx.QueryContext(ctx, `SELECT m.from_snapshot, v.body
			FROM memberships m JOIN entity_versions v ON v.id = m.version_id
			WHERE m.list = ?1
			  AND ((m.from_snapshot <= ?2 AND m.to_snapshot > ?2 AND m.to_snapshot <= ?3)
			    OR (m.from_snapshot > ?2 AND m.from_snapshot <= ?3 AND (m.to_snapshot IS NULL OR m.to_snapshot > ?3)))`,
			lo.List, lo.ID, hi.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var from int64
			var body []byte
			if err := rows.Scan(&from, &body); err != nil {
				return err
			}
			e, err := tracker.DecodeEntity(body)
			if err != nil {
				return err
			}
			if from <= lo.ID {
				onlyLo = append(onlyLo, e)
			} else {
				onlyHi = append(onlyHi, e)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("diff %s → %s: %w", older.Label(), newer.Label(), err)
	}
	if lo.EntityCount-len(onlyLo)+len(onlyHi) != hi.EntityCount {
		return nil, fmt.Errorf("diff %s → %s: %d entities, %d left and %d came, but %d recorded: database inconsistent",
			lo.Label(), hi.Label(), lo.EntityCount, len(onlyLo), len(onlyHi), hi.EntityCount)
	}
	if older.ID > newer.ID {
		return diff.Compare(newer.List, onlyHi, onlyLo), nil
	}
	return diff.Compare(newer.List, onlyLo, onlyHi), nil
}

// Changes returns the changes stored with a snapshot (every regime), against
// the list's snapshot before it.
func (s *Store) Changes(ctx context.Context, snapshotID int64) ([]tracker.Change, error) {
	return s.queryChanges(ctx, `WHERE snapshot_id = ? ORDER BY id`, snapshotID)
}

func (s *Store) queryChanges(ctx context.Context, where string, args ...any) ([]tracker.Change, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM changes `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load changes: %w", err)
	}
	defer rows.Close()
	var out []tracker.Change
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var c tracker.Change
		if err := json.Unmarshal(body, &c); err != nil {
			return nil, fmt.Errorf("decode stored change: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
