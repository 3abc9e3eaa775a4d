package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
)

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
	// PendingRaw, when set, gives RawFiles once they are ready. They are
	// only written at the end of the snapshot's transaction, so the caller
	// can compress them while the entities are stored: SQLite writes on
	// one core and leaves the other to the compressor. An error from it
	// rolls the snapshot back.
	PendingRaw func() ([]RawFile, error)
	// RawRetention is how many of the list's newest active snapshots keep
	// their raw files' data; negative keeps all.
	RawRetention int
	// ParserVersion is how the entities were read (source.ParserVersion);
	// 0 is 1.
	ParserVersion int
	// Note is stored with an active snapshot, for people.
	Note string
	// Suspect, when set, is why this publication's removals look like a
	// publication cut short rather than delistings (the caller checked the
	// file's end and the previous publication's order): a snapshot with
	// removals is then quarantined with it. Without removals it is ignored.
	Suspect string
	// Accepts, when set, is a quarantined snapshot that a person checked:
	// this publication is its content, stored as active despite the guards.
	Accepts int64
	// AfterSave, if set, runs inside the snapshot's transaction once the
	// snapshot and its changes are written, so that work depending on them
	// (the delivery outbox) commits or rolls back with the snapshot. It
	// also runs for a new quarantined snapshot (Snapshot.Status says so),
	// whose Changes are what storing it would have meant.
	AfterSave func(ctx context.Context, tx *sql.Tx, res *SaveResult) error
	// Remembered: the parser gives an entity it gave before as the same
	// object (source.Publication.Remembered), so the Store keeps the
	// hashes of this snapshot's entities for the list's next one.
	Remembered bool
	// Drift is the publication's format drift (source.Publication.Drift).
	// It is recorded with a new snapshot, active or quarantined; an
	// unchanged publication stores nothing, so its drift waits for the
	// next one that is stored.
	Drift []tracker.Drift
	// ModifiedAt is the server's Last-Modified (the newest of the files);
	// zero when it sent none or the files were imported.
	ModifiedAt time.Time
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
	// NewDrift is the new snapshot's format drift that the list never
	// showed before: what operators are to be told of, once.
	NewDrift []tracker.Drift
}

// Quarantined reports whether the snapshot was kept out of the list's
// history because it broke a guard.
func (r *SaveResult) Quarantined() bool { return r.Snapshot.Status == tracker.SnapshotQuarantined }

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
	enc, content, err := s.encodeSnapshot(in)
	if err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", in.List, err)
	}

	early := s.startEarlyPrep(ctx, in)
	var res *SaveResult
	cached := s.open.take(in.List)
	var left *openSet // the open memberships this save leaves for the next
	err = s.countedWriteTx(ctx, func(tx *sql.Tx, n uint64) error {
		// Started under the write lock: see earlyRelink and earlyLookup.
		relink := s.startEarlyRelink(ctx, tx, in.List)
		defer relink.stop()
		defer early.lookUp(ctx, s, in.List, relink)()
		st, err := readTxState(ctx, tx, n)
		if err != nil {
			return err
		}
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
		res, err = saveTx(ctx, tx, in, enc, content, cached, st)
		if err != nil {
			return err
		}
		if !res.Created {
			// The latest is unchanged, and so are its memberships.
			left = cached.renewed(st, res.Snapshot.ID)
			if in.Accepts != 0 { // the accepted content is already the latest
				return markAccepted(ctx, tx, in.Accepts, res.Snapshot.ID, false)
			}
			return nil
		}
		var active bool
		if res, active, err = guardTx(ctx, tx, &in, res, content); err != nil {
			return err
		}
		if active {
			left = newOpenSet(in.List, res.Snapshot.ID, st, enc)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE guarded`); err != nil {
			return err
		}
		if res.Created && !res.Quarantined() && linking {
			if err := linkSnapshotTx(ctx, tx, res, in.Entities, early, relink, s.authority); err != nil {
				return fmt.Errorf("link to the other lists: %w", err)
			}
		}
		if res.NewDrift, err = recordDriftTx(ctx, tx, in.List, res.Snapshot.ID, formatTime(res.Snapshot.FetchedAt), in.Drift); err != nil {
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
	s.keepForNext(in, res, left)
	return res, nil
}

// keepForNext keeps what a committed save leaves for the list's next
// one: the open memberships, and the raw files the next are deltas of.
func (s *Store) keepForNext(in NewSnapshot, res *SaveResult, open *openSet) {
	if open != nil {
		s.open.put(open)
	}
	if res.Created && in.Accepts == 0 && len(in.RawFiles) > 0 {
		s.lastRaw.set(res.Snapshot.ID, in.RawFiles)
	}
}

// encodeSnapshot hashes the publication's entities (encodeAll), taking
// the hashes the Store kept of a remembering parser's last publication of
// the list, and keeping this one's.
func (s *Store) encodeSnapshot(in NewSnapshot) ([]encoded, string, error) {
	var known map[*tracker.Entity][sha256.Size]byte
	if in.Remembered {
		known = s.hashes.take(in.List)
	}
	enc, content, err := encodeAll(in.Entities, known)
	if err == nil && in.Remembered {
		s.hashes.put(in.List, enc)
	}
	return enc, content, err
}

// guardTx quarantines a new snapshot that breaks the list's guards (or
// the caller's suspicion), and otherwise keeps its raw files. It returns
// the result, that of the quarantined snapshot if it was, and whether the
// new snapshot stays the list's active latest.
func guardTx(ctx context.Context, tx *sql.Tx, in *NewSnapshot, res *SaveResult, content string) (*SaveResult, bool, error) {
	if err := in.awaitRaw(); err != nil {
		return nil, false, err
	}
	reason := in.Guards.Check(res)
	if reason == "" && in.Suspect != "" && hasRemovals(res.Changes) {
		reason = in.Suspect
	}
	if reason != "" && in.Accepts == 0 {
		// Undo the snapshot but keep a record of it, out of the list's
		// history: no alerts, not the latest, kept for review.
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO guarded`); err != nil {
			return nil, false, err
		}
		res, err := quarantineTx(ctx, tx, *in, res, content, reason)
		return res, false, err
	}
	if err := keepRawFiles(ctx, tx, *in, res.Snapshot.ID); err != nil {
		return nil, false, err
	}
	return res, true, nil
}

// awaitRaw makes RawFiles what PendingRaw gives, once.
func (in *NewSnapshot) awaitRaw() error {
	if in.PendingRaw == nil {
		return nil
	}
	raw, err := in.PendingRaw()
	in.PendingRaw = nil
	if err != nil {
		return fmt.Errorf("raw files: %w", err)
	}
	in.RawFiles = raw
	return nil
}

// saveTx stores the publication as the list's new active snapshot, unless
// its content equals the latest's, and computes and stores the changes
// from that latest snapshot.
func saveTx(ctx context.Context, tx *sql.Tx, in NewSnapshot, enc []encoded, content string, cached *openSet, st txState) (*SaveResult, error) {
	prev, err := latestTx(ctx, tx, in.List)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if prev != nil && prev.ContentSHA256 == content {
		return &SaveResult{Snapshot: *prev, Created: false}, nil
	}
	if err := checkNotOlder(in, prev); err != nil {
		return nil, err
	}
	snap, err := insertSnapshot(ctx, tx, in, len(enc), content)
	if err != nil {
		return nil, err
	}

	// The statements run once per changed entity use a context without
	// cancellation: with a cancellable one (the CLI's and the daemon's),
	// database/sql and the driver start a goroutine per statement to watch
	// it, which costs more than the statement. ctx is checked every
	// saveCtxEvery entities instead, and the transaction, begun with ctx,
	// still rolls back when it is cancelled.
	quiet := context.WithoutCancel(ctx)
	var open []openMembership
	if prev != nil {
		if open = cached.usable(st, prev.ID); open == nil {
			if open, err = openMemberships(quiet, tx, in.List, prev.EntityCount); err != nil {
				return nil, err
			}
		}
	}
	changedOld, changedNew, err := updateMemberships(ctx, quiet, tx, in.List, snap.ID, enc, open)
	if err != nil {
		return nil, err
	}

	res := &SaveResult{Snapshot: snap, Created: true, Previous: prev}
	if prev == nil {
		return res, nil // the first snapshot is a baseline: nothing changed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	old, err := versionsTx(quiet, tx, changedOld)
	if err != nil {
		return nil, err
	}
	res.Changes = diff.Compare(in.List, old, changedNew)
	if err := insertChanges(quiet, tx, snap.ID, prev.ID, res.Changes); err != nil {
		return nil, err
	}
	return res, nil
}

// checkNotOlder refuses a publication dated before the list's latest
// snapshot: compared with that one, it would announce the publisher's
// later changes undone.
func checkNotOlder(in NewSnapshot, prev *tracker.Snapshot) error {
	if prev == nil {
		return nil
	}
	if older, err := publishedBefore(in.PublishedAt, prev.PublishedAt); err != nil {
		return err
	} else if older {
		return fmt.Errorf("publication of %s is older than the latest snapshot %s: import history oldest first",
			in.PublishedAt, prev.Label())
	}
	return nil
}

// insertSnapshot writes the new active snapshot's row first: its id is
// what the memberships and changes written after it point at.
func insertSnapshot(ctx context.Context, tx *sql.Tx, in NewSnapshot, count int, content string) (tracker.Snapshot, error) {
	snap := tracker.Snapshot{
		List: in.List, FetchedAt: in.FetchedAt.UTC(), PublishedAt: in.PublishedAt, ModifiedAt: utcOrZero(in.ModifiedAt), Source: in.Source,
		RawSHA256: in.RawSHA256, ContentSHA256: content, EntityCount: count, Status: tracker.SnapshotActive,
		Note: in.Note, ParserVersion: max(in.ParserVersion, 1),
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO snapshots (list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status, note, parser_version, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		snap.List, formatTime(snap.FetchedAt), snap.PublishedAt, snap.Source, snap.RawSHA256, snap.ContentSHA256, snap.EntityCount, snap.Status, snap.Note, snap.ParserVersion, optTime(snap.ModifiedAt))
	if err != nil {
		return tracker.Snapshot{}, fmt.Errorf("insert snapshot: %w", err)
	}
	if snap.ID, err = r.LastInsertId(); err != nil {
		return tracker.Snapshot{}, err
	}
	return snap, nil
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
	// The changes are encoded on another goroutine while SQLite stores the
	// ones before: each takes about half the time. The channel holds every
	// change, so the encoder never waits, and finishes on its own if a
	// store fails.
	type encodedChange struct {
		body []byte
		err  error
	}
	encoded := make(chan encodedChange, len(changes))
	go func() {
		defer close(encoded)
		for _, c := range changes {
			body, err := json.Marshal(c)
			encoded <- encodedChange{body, err}
		}
	}()
	for _, c := range changes {
		x := <-encoded
		if x.err != nil {
			return fmt.Errorf("encode change of %s: %w", c.ID, x.err)
		}
		if _, err := stmt.ExecContext(ctx, snapshot, prev, c.List, string(c.Kind), c.ID, x.body); err != nil {
			return fmt.Errorf("store change of %s: %w", c.ID, err)
		}
	}
	return nil
}

// publishedBefore reports whether publication date a is before b. Both are
// parsed as dates: text order would put "30-Sep" after "08-Oct". An empty
// date (the list states none) orders nothing.
func publishedBefore(a, b string) (bool, error) {
	if a == "" || b == "" {
		return false, nil
	}
	ta, err := time.Parse(time.DateOnly, a)
	if err != nil {
		return false, fmt.Errorf("publication date %q is not YYYY-MM-DD", a)
	}
	tb, err := time.Parse(time.DateOnly, b)
	if err != nil {
		return false, fmt.Errorf("stored publication date %q is not YYYY-MM-DD", b)
	}
	return ta.Before(tb), nil
}

func hasRemovals(changes []tracker.Change) bool {
	for _, c := range changes {
		if c.Kind == tracker.Removed {
			return true
		}
	}
	return false
}

// SetParserVersion records that a snapshot's publication reads the same
// with a newer parser, so it need not be re-read again.
func (s *Store) SetParserVersion(ctx context.Context, id int64, version int) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE snapshots SET parser_version = ? WHERE id = ? AND parser_version < ?`, version, id, version)
		return err
	})
}
