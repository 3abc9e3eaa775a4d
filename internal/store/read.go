package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
)

// ErrNotFound is returned when a snapshot or entity does not exist.
var ErrNotFound = errors.New("not found")

// ErrQuarantined is returned for the entities of a quarantined snapshot,
// which are stored only as its raw files.
var ErrQuarantined = errors.New("snapshot is quarantined")

// ErrRetracted is returned for the entities of a retracted snapshot.
var ErrRetracted = errors.New("snapshot is retracted")

const snapshotColumns = `id, list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status, note, retracted_at, retract_reason, parser_version, modified_at`

type scanner interface{ Scan(dest ...any) error }

// scanSnapshot scans snapshotColumns, then any extra columns into extra.
func scanSnapshot(row scanner, extra ...any) (*tracker.Snapshot, error) {
	var sn tracker.Snapshot
	var fetched, retracted, reason, modified string
	dest := append([]any{&sn.ID, &sn.List, &fetched, &sn.PublishedAt, &sn.Source, &sn.RawSHA256,
		&sn.ContentSHA256, &sn.EntityCount, &sn.Status, &sn.Note, &retracted, &reason, &sn.ParserVersion, &modified}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	var err error
	if sn.FetchedAt, err = parseTime(fetched); err != nil {
		return nil, err
	}
	if modified != "" {
		if sn.ModifiedAt, err = parseTime(modified); err != nil {
			return nil, err
		}
	}
	if retracted != "" {
		// Retracted wins over the status it had: it is what people must see.
		sn.Status = tracker.SnapshotRetracted
		sn.Note = strings.TrimSpace("retracted " + retracted + ": " + reason + " " + sn.Note)
	}
	return &sn, nil
}

// scanAll reads every row of rows with scan, then closes rows: the loop
// every query method returning a list would otherwise write again. A
// query without rows gives a nil slice.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func latestTx(ctx context.Context, q querier, list string) (*tracker.Snapshot, error) {
	sn, err := scanSnapshot(q.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'active' AND retracted_at = '' ORDER BY id DESC LIMIT 1`, list))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("latest snapshot of %s: %w", list, err)
	}
	return sn, err
}

// Latest returns the list's latest active snapshot, or ErrNotFound.
func (s *Store) Latest(ctx context.Context, list string) (*tracker.Snapshot, error) {
	return latestTx(ctx, s.r, list)
}

// Snapshot returns the snapshot with the given id, or ErrNotFound.
func (s *Store) Snapshot(ctx context.Context, id int64) (*tracker.Snapshot, error) {
	sn, err := scanSnapshot(s.r.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	return sn, nil
}

// Before returns the list's last active snapshot before the given one, or
// ErrNotFound.
func (s *Store) Before(ctx context.Context, sn *tracker.Snapshot) (*tracker.Snapshot, error) {
	return beforeTx(ctx, s.r, sn)
}

func beforeTx(ctx context.Context, q querier, sn *tracker.Snapshot) (*tracker.Snapshot, error) {
	prev, err := scanSnapshot(q.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'active' AND retracted_at = '' AND id < ? ORDER BY id DESC LIMIT 1`, sn.List, sn.ID))
	if err != nil {
		return nil, fmt.Errorf("snapshot before %s: %w", sn.Label(), err)
	}
	return prev, nil
}

// At returns the list's last active snapshot as of the end of the given day
// (YYYY-MM-DD), by the list's own publication date where it has one and by
// fetch time otherwise.
func (s *Store) At(ctx context.Context, list, day string) (*tracker.Snapshot, error) {
	if _, err := time.Parse("2006-01-02", day); err != nil {
		return nil, fmt.Errorf("date %q: want YYYY-MM-DD", day)
	}
	sn, err := scanSnapshot(s.r.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'active' AND retracted_at = ''
		  AND substr(CASE published_at WHEN '' THEN fetched_at ELSE published_at END, 1, 10) <= ?
		ORDER BY id DESC LIMIT 1`, list, day))
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s on or before %s: %w", list, day, err)
	}
	return sn, nil
}

// Snapshots lists snapshots, oldest first; all lists when list is "".
func (s *Store) Snapshots(ctx context.Context, list string) ([]tracker.Snapshot, error) {
	q := `SELECT ` + snapshotColumns + ` FROM snapshots`
	var args []any
	if list != "" {
		q += ` WHERE list = ?`
		args = append(args, list)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY list, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer rows.Close()
	var out []tracker.Snapshot
	for rows.Next() {
		sn, err := scanSnapshot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sn)
	}
	return out, rows.Err()
}

// Entities returns the entities of a snapshot.
func (s *Store) Entities(ctx context.Context, sn *tracker.Snapshot) ([]*tracker.Entity, error) {
	if sn.Status == tracker.SnapshotQuarantined {
		// It has no memberships: the query below would answer with the
		// active snapshots around it.
		return nil, fmt.Errorf("entities of %s: %w", sn.Label(), ErrQuarantined)
	}
	if sn.Status == tracker.SnapshotRetracted {
		// Its memberships were undone when it was retracted.
		return nil, fmt.Errorf("entities of %s: %w", sn.Label(), ErrRetracted)
	}
	var out []*tracker.Entity
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT v.body FROM memberships m JOIN entity_versions v ON v.id = m.version_id
			WHERE m.list = ? AND m.from_snapshot <= ? AND (m.to_snapshot IS NULL OR m.to_snapshot > ?)`,
			sn.List, sn.ID, sn.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = make([]*tracker.Entity, 0, sn.EntityCount)
		for rows.Next() {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return err
			}
			e, err := tracker.DecodeEntity(body)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("entities of %s: %w", sn.Label(), err)
	}
	if len(out) != sn.EntityCount {
		return nil, fmt.Errorf("entities of %s: found %d, snapshot records %d: database inconsistent", sn.Label(), len(out), sn.EntityCount)
	}
	return out, nil
}

// LatestIDs returns the list's latest active snapshot and the ids of its
// entities; ErrNotFound when it has none. It reads only the open
// memberships' keys, so callers can tell cheaply what a publication would
// remove before storing it.
func (s *Store) LatestIDs(ctx context.Context, list string) (*tracker.Snapshot, map[string]bool, error) {
	var sn *tracker.Snapshot
	ids := map[string]bool{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		if sn, err = latestTx(ctx, tx, list); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT entity_id FROM memberships WHERE list = ? AND to_snapshot IS NULL`, list)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids[id] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, fmt.Errorf("entity ids of %s: %w", list, err)
	}
	return sn, ids, nil
}

// OthersStored reports whether the database holds an active snapshot of a
// list other than list: then storing list's snapshot links it to them.
func (s *Store) OthersStored(ctx context.Context, list string) (bool, error) {
	var yes bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM snapshots
		WHERE list <> ? AND status = 'active' AND retracted_at = '')`, list).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("lists stored: %w", err)
	}
	return yes, nil
}
