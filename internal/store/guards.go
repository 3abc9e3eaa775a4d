package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cybersanctions/tracker"
)

// Guards tell a broken publication from real change. A snapshot that
// breaks one is quarantined: stored for review, never the latest, never
// announced, until a person accepts it.
type Guards struct {
	MinEntities     int     // fewer entities than this; 0: off
	MaxRemovedShare float64 // more than this share of the previous snapshot's entities removed at once; 0: off
}

// Check returns why a stored snapshot breaks the guards, or "".
func (g Guards) Check(res *SaveResult) string {
	n := res.Snapshot.EntityCount
	if g.MinEntities > 0 && n < g.MinEntities {
		return fmt.Sprintf("%d entities, fewer than the %d expected (guards.min_entities): a truncated or partial publication?", n, g.MinEntities)
	}
	if g.MaxRemovedShare <= 0 || res.Previous == nil || res.Previous.EntityCount == 0 {
		return ""
	}
	removed := 0
	for _, c := range res.Changes {
		if c.Kind == tracker.Removed {
			removed++
		}
	}
	prev := res.Previous.EntityCount
	if share := float64(removed) / float64(prev); share > g.MaxRemovedShare {
		return fmt.Sprintf("%d of the %d entities of %s would be removed (%.1f%%, above guards.max_removed_share %.1f%%): a broken publication rather than delistings?",
			removed, prev, res.Previous.Label(), 100*share, 100*g.MaxRemovedShare)
	}
	return ""
}

// quarantineTx records a publication that broke a guard: a snapshot row
// with its reason and its raw files, and no memberships or changes, so the
// list's history and its latest snapshot are as before.
func quarantineTx(ctx context.Context, tx *sql.Tx, in NewSnapshot, would *SaveResult, content, reason string) (*SaveResult, error) {
	snap := would.Snapshot
	snap.ID, snap.Status, snap.Note = 0, tracker.SnapshotQuarantined, reason
	r, err := tx.ExecContext(ctx, `INSERT INTO snapshots (list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status, note, parser_version, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		snap.List, formatTime(snap.FetchedAt), snap.PublishedAt, snap.Source, snap.RawSHA256, content, snap.EntityCount, snap.Status, snap.Note, snap.ParserVersion, optTime(snap.ModifiedAt))
	if err != nil {
		return nil, fmt.Errorf("insert quarantined snapshot: %w", err)
	}
	if snap.ID, err = r.LastInsertId(); err != nil {
		return nil, err
	}
	if err := insertRawFiles(ctx, tx, snap.ID, in.RawFiles); err != nil {
		return nil, err
	}
	return &SaveResult{Snapshot: snap, Created: true, Previous: would.Previous, Changes: would.Changes}, nil
}

// sameAsQuarantined returns the list's newest quarantined snapshot when it
// is newer than the latest active one and has this content: a broken
// publication fetched again is neither stored nor announced again.
func sameAsQuarantined(ctx context.Context, tx *sql.Tx, list, content string) (*SaveResult, error) {
	sn, err := scanSnapshot(tx.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'quarantined' AND accepted_as IS NULL
		  AND id > coalesce((SELECT max(id) FROM snapshots WHERE list = ? AND status = 'active' AND retracted_at = ''), 0)
		ORDER BY id DESC LIMIT 1`, list, list))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("quarantined snapshot of %s: %w", list, err)
	}
	if sn.ContentSHA256 != content {
		return nil, nil
	}
	return &SaveResult{Snapshot: *sn}, nil
}

// ErrNotAcceptable is returned when a snapshot cannot be accepted.
var ErrNotAcceptable = errors.New("cannot be accepted")

// checkAcceptable refuses to accept anything but a pending quarantined
// snapshot of the list that is newer than its latest active one: accepting
// an older one would rewrite history that later snapshots were compared
// against.
func checkAcceptable(ctx context.Context, tx *sql.Tx, list string, id int64) error {
	var status, ofList string
	var acceptedAs sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT list, status, accepted_as FROM snapshots WHERE id = ?`, id).Scan(&ofList, &status, &acceptedAs)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("snapshot %d: %w", id, ErrNotFound)
	case err != nil:
		return fmt.Errorf("snapshot %d: %w", id, err)
	case ofList != list:
		return fmt.Errorf("snapshot %d is of %s, not %s: %w", id, ofList, list, ErrNotAcceptable)
	case status != tracker.SnapshotQuarantined:
		return fmt.Errorf("snapshot %d is %s, not quarantined: %w", id, status, ErrNotAcceptable)
	case acceptedAs.Valid:
		return fmt.Errorf("snapshot %d was already accepted as snapshot %d: %w", id, acceptedAs.Int64, ErrNotAcceptable)
	}
	var newer sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM snapshots WHERE list = ? AND status = 'active' AND retracted_at = '' AND id > ?`, list, id).Scan(&newer); err != nil {
		return err
	}
	if newer.Valid {
		return fmt.Errorf("snapshot %d is superseded: snapshot %d of %s was stored after it: %w", id, newer.Int64, list, ErrNotAcceptable)
	}
	return nil
}

// markAccepted points a quarantined snapshot at the active one that holds
// its content, moving its raw files there when that snapshot is new.
func markAccepted(ctx context.Context, tx *sql.Tx, quarantined, active int64, moveRaw bool) error {
	if moveRaw {
		if _, err := tx.ExecContext(ctx, `UPDATE raw_files SET snapshot_id = ? WHERE snapshot_id = ?`, active, quarantined); err != nil {
			return fmt.Errorf("move raw files of snapshot %d: %w", quarantined, err)
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE snapshots SET accepted_as = ?, note = note || ? WHERE id = ?`,
		active, fmt.Sprintf(" [accepted as #%d]", active), quarantined)
	if err != nil {
		return fmt.Errorf("mark snapshot %d accepted: %w", quarantined, err)
	}
	return nil
}

// keepRawFiles stores a new active snapshot's raw files (or, when it
// accepts a quarantined one, takes that one's) and applies retention.
func keepRawFiles(ctx context.Context, tx *sql.Tx, in NewSnapshot, snapshot int64) error {
	if in.Accepts != 0 {
		if err := markAccepted(ctx, tx, in.Accepts, snapshot, true); err != nil {
			return err
		}
	} else if err := insertRawFiles(ctx, tx, snapshot, in.RawFiles); err != nil {
		return err
	}
	return pruneRawFiles(ctx, tx, in.List, in.RawRetention)
}

// AcceptedAs returns the active snapshot that took over a quarantined
// snapshot's content when a person accepted it, or 0.
func (s *Store) AcceptedAs(ctx context.Context, id int64) (int64, error) {
	var as sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT accepted_as FROM snapshots WHERE id = ?`, id).Scan(&as)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("snapshot %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("snapshot %d: %w", id, err)
	}
	return as.Int64, nil
}
