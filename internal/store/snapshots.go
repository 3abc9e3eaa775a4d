package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
)

// ErrNotFound is returned when a snapshot or entity does not exist.
var ErrNotFound = errors.New("not found")

// ErrQuarantined is returned for the entities of a quarantined snapshot,
// which are stored only as its raw files.
var ErrQuarantined = errors.New("snapshot is quarantined")

// NewSnapshot is a parsed publication to store.
type NewSnapshot struct {
	List        string
	Source      string    // URLs or paths, for people; never a secret
	FetchedAt   time.Time // zero: now
	PublishedAt string    // the list's own date, ISO, "" if unknown
	RawSHA256   string
	Entities    []*tracker.Entity // canonicalized, unique ids
	// Guards quarantine a publication that looks broken rather than
	// changed; the zero value lets everything through.
	Guards Guards
	// RawFiles are the published files, kept with the snapshot for audit.
	RawFiles []RawFile
	// RawRetention is how many of the list's newest active snapshots keep
	// their raw files' data; negative keeps all.
	RawRetention int
	// Accepts, when set, is a quarantined snapshot that a person checked:
	// this publication is its content, stored as active despite the guards.
	Accepts int64
	// AfterSave, if set, runs inside the snapshot's transaction once the
	// snapshot and its changes are written, so that work depending on them
	// (the delivery outbox) commits or rolls back with the snapshot. It
	// also runs for a new quarantined snapshot (Snapshot.Status says so),
	// whose Changes are what storing it would have meant.
	AfterSave func(ctx context.Context, tx *sql.Tx, res *SaveResult) error
}

// SaveResult says what SaveSnapshot did.
type SaveResult struct {
	Snapshot tracker.Snapshot
	// Created is false when the content equals the list's latest snapshot,
	// or the latest quarantined one: nothing was stored and Snapshot is
	// that snapshot.
	Created bool
	// Previous is the snapshot the new one was compared with; nil for the
	// list's first snapshot, which is a silent baseline.
	Previous *tracker.Snapshot
	// Changes are all changes (every regime) from Previous to Snapshot.
	Changes []tracker.Change
}

// Quarantined reports whether the snapshot was kept out of the list's
// history because it broke a guard.
func (r *SaveResult) Quarantined() bool { return r.Snapshot.Status == tracker.SnapshotQuarantined }

// encoded is an entity with its canonical encoding and hash.
type encoded struct {
	e    *tracker.Entity
	body []byte
	hash []byte
}

// SaveSnapshot stores a publication as a new snapshot of its list, unless its
// content equals the latest snapshot's. Unchanged entities cost one
// reference; only new versions are written. The changes from the previous
// snapshot are computed and stored in the same transaction.
func (s *Store) SaveSnapshot(ctx context.Context, in NewSnapshot) (*SaveResult, error) {
	if in.List == "" {
		return nil, errors.New("save snapshot: no list name")
	}
	if in.FetchedAt.IsZero() {
		in.FetchedAt = s.Now()
	}
	enc, content, err := encodeAll(in.Entities)
	if err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", in.List, err)
	}

	var res *SaveResult
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		if in.Accepts != 0 {
			if err := checkAcceptable(ctx, tx, in.List, in.Accepts); err != nil {
				return err
			}
		} else if res, err = sameAsQuarantined(ctx, tx, in.List, content); res != nil || err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT guarded`); err != nil {
			return err
		}
		res, err = saveTx(ctx, tx, in, enc, content)
		if err != nil {
			return err
		}
		if !res.Created {
			if in.Accepts != 0 { // the accepted content is already the latest
				return markAccepted(ctx, tx, in.Accepts, res.Snapshot.ID, false)
			}
			return nil
		}
		if reason := in.Guards.Check(res); reason != "" && in.Accepts == 0 {
			// Undo the snapshot but keep a record of it, out of the
			// list's history: no alerts, not the latest, kept for review.
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO guarded`); err != nil {
				return err
			}
			if res, err = quarantineTx(ctx, tx, in, res, content, reason); err != nil {
				return err
			}
		} else if err := keepRawFiles(ctx, tx, in, res.Snapshot.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `RELEASE guarded`); err != nil {
			return err
		}
		if in.AfterSave == nil {
			return nil
		}
		return in.AfterSave(ctx, tx, res)
	})
	if err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", in.List, err)
	}
	return res, nil
}

func saveTx(ctx context.Context, tx *sql.Tx, in NewSnapshot, enc []encoded, content string) (*SaveResult, error) {
	prev, err := latestTx(ctx, tx, in.List)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if prev != nil && prev.ContentSHA256 == content {
		return &SaveResult{Snapshot: *prev, Created: false}, nil
	}
	if prev != nil && in.PublishedAt != "" && prev.PublishedAt != "" && in.PublishedAt < prev.PublishedAt {
		return nil, fmt.Errorf("publication of %s is older than the latest snapshot %s: import history oldest first",
			in.PublishedAt, prev.Label())
	}

	snap := tracker.Snapshot{
		List: in.List, FetchedAt: in.FetchedAt.UTC(), PublishedAt: in.PublishedAt, Source: in.Source,
		RawSHA256: in.RawSHA256, ContentSHA256: content, EntityCount: len(enc), Status: tracker.SnapshotActive,
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO snapshots (list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		snap.List, formatTime(snap.FetchedAt), snap.PublishedAt, snap.Source, snap.RawSHA256, snap.ContentSHA256, snap.EntityCount, snap.Status)
	if err != nil {
		return nil, fmt.Errorf("insert snapshot: %w", err)
	}
	if snap.ID, err = r.LastInsertId(); err != nil {
		return nil, err
	}

	open, err := openMemberships(ctx, tx, in.List)
	if err != nil {
		return nil, err
	}
	w, err := newMembershipWriter(ctx, tx, in.List, snap.ID)
	if err != nil {
		return nil, err
	}
	defer w.close()

	var changedOld []int64 // version ids of entities amended or removed
	var changedNew []*tracker.Entity
	for _, x := range enc {
		cur, ok := open[x.e.ID]
		if ok {
			delete(open, x.e.ID)
			if bytes.Equal(cur.hash, x.hash) {
				continue // unchanged: its interval stays open
			}
			if err := w.closeInterval(x.e.ID); err != nil {
				return nil, err
			}
			changedOld = append(changedOld, cur.version)
		}
		if err := w.add(x); err != nil {
			return nil, err
		}
		changedNew = append(changedNew, x.e)
	}
	for id, cur := range open { // in the previous snapshot, not in this one
		if err := w.closeInterval(id); err != nil {
			return nil, err
		}
		changedOld = append(changedOld, cur.version)
	}

	res := &SaveResult{Snapshot: snap, Created: true, Previous: prev}
	if prev == nil {
		return res, nil // the first snapshot is a baseline: nothing changed
	}
	old, err := versionsTx(ctx, tx, changedOld)
	if err != nil {
		return nil, err
	}
	res.Changes = diff.Compare(in.List, old, changedNew)
	if err := insertChanges(ctx, tx, snap.ID, prev.ID, res.Changes); err != nil {
		return nil, err
	}
	return res, nil
}

// encodeAll encodes every entity and computes the publication's content
// hash over the sorted (id, entity hash) pairs.
func encodeAll(entities []*tracker.Entity) ([]encoded, string, error) {
	enc := make([]encoded, len(entities))
	for i, e := range entities {
		body, err := e.Encode()
		if err != nil {
			return nil, "", err
		}
		sum := sha256.Sum256(body)
		enc[i] = encoded{e: e, body: body, hash: sum[:]}
	}
	order := make([]int, len(enc))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return enc[order[a]].e.ID < enc[order[b]].e.ID })
	h := sha256.New()
	for _, i := range order {
		h.Write([]byte(enc[i].e.ID))
		h.Write([]byte{0})
		h.Write(enc[i].hash)
	}
	return enc, hex.EncodeToString(h.Sum(nil)), nil
}

type openMembership struct {
	version int64
	hash    []byte
}

// openMemberships returns the entities of the list's latest snapshot.
func openMemberships(ctx context.Context, tx *sql.Tx, list string) (map[string]openMembership, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.entity_id, m.version_id, v.hash
		FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = ? AND m.to_snapshot IS NULL`, list)
	if err != nil {
		return nil, fmt.Errorf("load latest memberships: %w", err)
	}
	defer rows.Close()
	open := make(map[string]openMembership)
	for rows.Next() {
		var id string
		var m openMembership
		if err := rows.Scan(&id, &m.version, &m.hash); err != nil {
			return nil, err
		}
		open[id] = m
	}
	return open, rows.Err()
}

// membershipWriter holds the prepared statements of one snapshot's writes.
type membershipWriter struct {
	ctx                      context.Context
	list                     string
	snapshot                 int64
	upsert, insert, closeOld *sql.Stmt
}

func newMembershipWriter(ctx context.Context, tx *sql.Tx, list string, snapshot int64) (*membershipWriter, error) {
	w := &membershipWriter{ctx: ctx, list: list, snapshot: snapshot}
	var err error
	// The no-op update makes RETURNING give the id of an existing version too.
	if w.upsert, err = tx.PrepareContext(ctx, `INSERT INTO entity_versions (hash, body) VALUES (?, ?)
		ON CONFLICT (hash) DO UPDATE SET hash = excluded.hash RETURNING id`); err != nil {
		return nil, err
	}
	if w.insert, err = tx.PrepareContext(ctx, `INSERT INTO memberships (list, entity_id, version_id, from_snapshot) VALUES (?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	if w.closeOld, err = tx.PrepareContext(ctx, `UPDATE memberships SET to_snapshot = ? WHERE list = ? AND entity_id = ? AND to_snapshot IS NULL`); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *membershipWriter) add(x encoded) error {
	var version int64
	if err := w.upsert.QueryRowContext(w.ctx, x.hash, x.body).Scan(&version); err != nil {
		return fmt.Errorf("store entity %s: %w", x.e.ID, err)
	}
	if _, err := w.insert.ExecContext(w.ctx, w.list, x.e.ID, version, w.snapshot); err != nil {
		return fmt.Errorf("store membership of %s: %w", x.e.ID, err)
	}
	return nil
}

func (w *membershipWriter) closeInterval(id string) error {
	if _, err := w.closeOld.ExecContext(w.ctx, w.snapshot, w.list, id); err != nil {
		return fmt.Errorf("close membership of %s: %w", id, err)
	}
	return nil
}

func (w *membershipWriter) close() {
	for _, st := range []*sql.Stmt{w.upsert, w.insert, w.closeOld} {
		if st != nil {
			st.Close()
		}
	}
}

// versionsTx decodes the entity versions with the given ids.
func versionsTx(ctx context.Context, tx *sql.Tx, ids []int64) ([]*tracker.Entity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	stmt, err := tx.PrepareContext(ctx, `SELECT body FROM entity_versions WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	out := make([]*tracker.Entity, 0, len(ids))
	for _, id := range ids {
		var body []byte
		if err := stmt.QueryRowContext(ctx, id).Scan(&body); err != nil {
			return nil, fmt.Errorf("load entity version %d: %w", id, err)
		}
		e, err := tracker.DecodeEntity(body)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func insertChanges(ctx context.Context, tx *sql.Tx, snapshot, prev int64, changes []tracker.Change) error {
	if len(changes) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO changes (snapshot_id, prev_snapshot_id, list, kind, entity_id, body) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range changes {
		body, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode change of %s: %w", c.ID, err)
		}
		if _, err := stmt.ExecContext(ctx, snapshot, prev, c.List, string(c.Kind), c.ID, body); err != nil {
			return fmt.Errorf("store change of %s: %w", c.ID, err)
		}
	}
	return nil
}

const snapshotColumns = `id, list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status, note`

type scanner interface{ Scan(dest ...any) error }

// scanSnapshot scans snapshotColumns, then any extra columns into extra.
func scanSnapshot(row scanner, extra ...any) (*tracker.Snapshot, error) {
	var sn tracker.Snapshot
	var fetched string
	dest := append([]any{&sn.ID, &sn.List, &fetched, &sn.PublishedAt, &sn.Source, &sn.RawSHA256,
		&sn.ContentSHA256, &sn.EntityCount, &sn.Status, &sn.Note}, extra...)
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
	return &sn, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func latestTx(ctx context.Context, q querier, list string) (*tracker.Snapshot, error) {
	sn, err := scanSnapshot(q.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'active' ORDER BY id DESC LIMIT 1`, list))
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
	prev, err := scanSnapshot(s.r.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots
		WHERE list = ? AND status = 'active' AND id < ? ORDER BY id DESC LIMIT 1`, sn.List, sn.ID))
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
		WHERE list = ? AND status = 'active'
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

// Changes returns the changes stored with a snapshot (every regime), against
// the list's snapshot before it.
func (s *Store) Changes(ctx context.Context, snapshotID int64) ([]tracker.Change, error) {
	return s.queryChanges(ctx, `WHERE snapshot_id = ? ORDER BY id`, snapshotID)
}

// EntityHistory returns every stored change of one entity of a list, oldest
// first, with the snapshot each was found in.
func (s *Store) EntityHistory(ctx context.Context, list, entityID string) ([]HistoryEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("s.", snapshotColumns)+`, c.body
		FROM changes c JOIN snapshots s ON s.id = c.snapshot_id
		WHERE c.list = ? AND c.entity_id = ? ORDER BY c.snapshot_id`, list, entityID)
	if err != nil {
		return nil, fmt.Errorf("history of %s %s: %w", list, entityID, err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var body []byte
		sn, err := scanSnapshot(rows, &body)
		if err != nil {
			return nil, err
		}
		h := HistoryEntry{Snapshot: *sn}
		if err := json.Unmarshal(body, &h.Change); err != nil {
			return nil, fmt.Errorf("decode stored change: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HistoryEntry is one change of an entity and the snapshot it appeared in.
type HistoryEntry struct {
	Snapshot tracker.Snapshot
	Change   tracker.Change
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

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}
