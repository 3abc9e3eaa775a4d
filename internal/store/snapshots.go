package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
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

// ErrRetracted is returned for the entities of a retracted snapshot.
var ErrRetracted = errors.New("snapshot is retracted")

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
	// Drift is the publication's format drift (source.Publication.Drift).
	// It is recorded with a new snapshot, active or quarantined; an
	// unchanged publication stores nothing, so its drift waits for the
	// next one that is stored.
	Drift []tracker.Drift
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

// encoded is an entity with the hash of its canonical encoding. The
// encoding itself is made again for the few entities that are stored:
// keeping every one would hold the whole list twice in memory.
type encoded struct {
	e    *tracker.Entity
	key  uint64 // the id's first 8 bytes, big-endian: most comparisons of ids end there
	hash [sha256.Size]byte
}

// compareIDs orders entities by id as strings.Compare does. Comparing the
// ids' first bytes as numbers first makes sorting a list twice as fast:
// where those differ, so do the ids, in the same order.
func compareIDs(a, b encoded) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.e.ID, b.e.ID)
}

func idKey(id string) uint64 {
	var b [8]byte
	copy(b[:], id)
	return binary.BigEndian.Uint64(b[:])
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
		reason := in.Guards.Check(res)
		if reason == "" && in.Suspect != "" && hasRemovals(res.Changes) {
			reason = in.Suspect
		}
		if reason != "" && in.Accepts == 0 {
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
	if prev != nil {
		if older, err := publishedBefore(in.PublishedAt, prev.PublishedAt); err != nil {
			return nil, err
		} else if older {
			return nil, fmt.Errorf("publication of %s is older than the latest snapshot %s: import history oldest first",
				in.PublishedAt, prev.Label())
		}
	}

	snap := tracker.Snapshot{
		List: in.List, FetchedAt: in.FetchedAt.UTC(), PublishedAt: in.PublishedAt, Source: in.Source,
		RawSHA256: in.RawSHA256, ContentSHA256: content, EntityCount: len(enc), Status: tracker.SnapshotActive,
		Note: in.Note, ParserVersion: max(in.ParserVersion, 1),
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO snapshots (list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status, note, parser_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		snap.List, formatTime(snap.FetchedAt), snap.PublishedAt, snap.Source, snap.RawSHA256, snap.ContentSHA256, snap.EntityCount, snap.Status, snap.Note, snap.ParserVersion)
	if err != nil {
		return nil, fmt.Errorf("insert snapshot: %w", err)
	}
	if snap.ID, err = r.LastInsertId(); err != nil {
		return nil, err
	}

	// The statements run once per changed entity use a context without
	// cancellation: with a cancellable one (the CLI's and the daemon's),
	// database/sql and the driver start a goroutine per statement to watch
	// it, which costs more than the statement. ctx is checked every
	// saveCtxEvery entities instead, and the transaction, begun with ctx,
	// still rolls back when it is cancelled.
	quiet := context.WithoutCancel(ctx)
	hint := 0
	if prev != nil {
		hint = prev.EntityCount
	}
	open, err := openMemberships(quiet, tx, in.List, hint)
	if err != nil {
		return nil, err
	}
	w, err := newMembershipWriter(quiet, tx, in.List, snap.ID)
	if err != nil {
		return nil, err
	}
	defer w.close()

	// Both the new entities and the open memberships are sorted by id:
	// one pass over the two finds what was added, changed and removed.
	var changedOld []int64 // version ids of entities amended or removed
	var changedNew []*tracker.Entity
	closeOld := func(id string) error {
		version, err := w.closeInterval(id)
		if err != nil {
			return err
		}
		changedOld = append(changedOld, version)
		return nil
	}
	j := 0 // the first open membership not yet matched
	for i, x := range enc {
		if i%saveCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		id := x.e.ID
		if i > 0 && enc[i-1].key == x.key && enc[i-1].e.ID == id {
			return nil, fmt.Errorf("entity id %s given twice", id)
		}
		for ; j < len(open) && open[j].id < id; j++ { // not in the new snapshot
			if err := closeOld(open[j].id); err != nil {
				return nil, err
			}
		}
		if j < len(open) && open[j].id == id {
			unchanged := open[j].hash == x.hash
			j++
			if unchanged {
				continue // its interval stays open
			}
			if err := closeOld(id); err != nil {
				return nil, err
			}
		}
		if err := w.add(x); err != nil {
			return nil, err
		}
		changedNew = append(changedNew, x.e)
	}
	for ; j < len(open); j++ {
		if err := closeOld(open[j].id); err != nil {
			return nil, err
		}
	}
	if err := w.flush(); err != nil {
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

// saveCtxEvery is how many entities saveTx stores between checks of its
// context.
const saveCtxEvery = 1024

// encodeAll hashes every entity's canonical encoding and computes the
// publication's content hash over the (id, entity hash) pairs. It returns
// the entities sorted by id, the order saveTx needs too. Each half of the
// entities is encoded and hashed on its own goroutine.
func encodeAll(entities []*tracker.Entity) ([]encoded, string, error) {
	enc := make([]encoded, len(entities))
	half := len(entities) / 2
	done := make(chan struct{})
	go func() {
		defer close(done)
		encodeRange(enc[:half], entities[:half])
	}()
	encodeRange(enc[half:], entities[half:])
	<-done

	slices.SortFunc(enc, compareIDs)
	h := sha256.New()
	var buf []byte
	for _, x := range enc {
		buf = append(append(append(buf[:0], x.e.ID...), 0), x.hash[:]...)
		h.Write(buf)
	}
	return enc, hex.EncodeToString(h.Sum(nil)), nil
}

func encodeRange(enc []encoded, entities []*tracker.Entity) {
	var buf []byte
	for i, e := range entities {
		buf = e.AppendEncode(buf[:0])
		enc[i] = encoded{e: e, key: idKey(e.ID), hash: sha256.Sum256(buf)}
	}
}

// openMembership is an entity of the list's latest snapshot.
type openMembership struct {
	id   string
	hash [sha256.Size]byte
}

// openMemberships returns the entities of the list's latest snapshot with
// the hashes of their versions, sorted by id. It reads only the hashes:
// comparing them tells which entities changed, and only those are decoded.
//
// SQLite concatenates the rows into one value, because reading 15,000
// rows one at a time through database/sql costs twice what the query does.
// Each row is the 32-byte hash, the id's length in bytes as 8 hex digits,
// then the id: ids may hold any byte, and hashes do, so nothing is used as
// a separator. TestOpenMemberships holds this to a plain row-by-row query.
func openMemberships(ctx context.Context, tx *sql.Tx, list string, sizeHint int) ([]openMembership, error) {
	var packed string
	err := tx.QueryRowContext(ctx, `SELECT coalesce(group_concat(
			CAST(v.hash AS TEXT) || printf('%08x', length(CAST(m.entity_id AS BLOB))) || m.entity_id, ''), '')
		FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = ? AND m.to_snapshot IS NULL`, list).Scan(&packed)
	if err != nil {
		return nil, fmt.Errorf("load latest memberships of %s: %w", list, err)
	}
	open := make([]openMembership, 0, sizeHint)
	sorted := true
	for rest := packed; rest != ""; {
		const head = sha256.Size + 8
		if len(rest) < head {
			return nil, fmt.Errorf("load latest memberships of %s: %d bytes left over: database damaged", list, len(rest))
		}
		n, err := strconv.ParseUint(rest[sha256.Size:head], 16, 32)
		if err != nil || uint64(len(rest)-head) < n {
			return nil, fmt.Errorf("load latest memberships of %s: bad record at byte %d: database damaged", list, len(packed)-len(rest))
		}
		m := openMembership{id: rest[head : head+int(n)]}
		copy(m.hash[:], rest)
		if len(open) > 0 && open[len(open)-1].id >= m.id {
			sorted = false
		}
		open = append(open, m)
		rest = rest[head+int(n):]
	}
	// The rows come in the primary key's order, which is by id; sorting
	// keeps this correct should the query plan ever change.
	if !sorted {
		slices.SortFunc(open, func(a, b openMembership) int { return strings.Compare(a.id, b.id) })
		for i := 1; i < len(open); i++ {
			if open[i].id == open[i-1].id {
				return nil, fmt.Errorf("load latest memberships of %s: entity %s is open twice: database inconsistent", list, open[i].id)
			}
		}
	}
	return open, nil
}

// membershipWriter holds the prepared statements of one snapshot's writes.
// New versions and memberships are stored addBatch rows to a statement: a
// statement costs several times what SQLite spends on one row, and a
// list's first snapshot adds every entity.
type membershipWriter struct {
	ctx      context.Context
	list     string
	snapshot int64
	// addBatch rows each, and one row for what is left at the end.
	addVersions, addMemberships, addVersion, addMembership *sql.Stmt
	findVersion, closeOld                                  *sql.Stmt

	pending []encoded
	bodies  []byte // the encodings of pending, one after the other
	ends    []int  // where each ends in bodies
	args    []any
	ids     map[[sha256.Size]byte]int64 // version ids by hash, of one batch
}

// addBatch is how many rows one statement stores: past a hundred, more
// saves little.
const addBatch = 128

func newMembershipWriter(ctx context.Context, tx *sql.Tx, list string, snapshot int64) (*membershipWriter, error) {
	w := &membershipWriter{ctx: ctx, list: list, snapshot: snapshot, ids: make(map[[sha256.Size]byte]int64, addBatch)}
	values := func(row string, n int) string { return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") }
	var err error
	// A version that already exists (an entity back to earlier content,
	// or the same content on another list) is not returned, and is
	// looked up on its own: that is rare.
	if w.addVersions, err = tx.PrepareContext(ctx, `INSERT INTO entity_versions (hash, body) VALUES `+values("(?, ?)", addBatch)+`
		ON CONFLICT (hash) DO NOTHING RETURNING id, hash`); err != nil {
		return nil, err
	}
	if w.addVersion, err = tx.PrepareContext(ctx, `INSERT INTO entity_versions (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`); err != nil {
		return nil, err
	}
	if w.findVersion, err = tx.PrepareContext(ctx, `SELECT id FROM entity_versions WHERE hash = ?`); err != nil {
		return nil, err
	}
	const membership = `INSERT INTO memberships (list, entity_id, version_id, from_snapshot) VALUES `
	if w.addMemberships, err = tx.PrepareContext(ctx, membership+values("(?, ?, ?, ?)", addBatch)); err != nil {
		return nil, err
	}
	if w.addMembership, err = tx.PrepareContext(ctx, membership+`(?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	// from_snapshot < ?: never the membership this snapshot opened.
	if w.closeOld, err = tx.PrepareContext(ctx, `UPDATE memberships SET to_snapshot = ?1
		WHERE list = ?2 AND entity_id = ?3 AND to_snapshot IS NULL AND from_snapshot < ?1 RETURNING version_id`); err != nil {
		return nil, err
	}
	return w, nil
}

// add queues the entity to be stored as a member of the new snapshot, with
// its version unless that exists, and stores the queue once it holds a
// batch; flush stores the rest.
func (w *membershipWriter) add(x encoded) error {
	w.pending = append(w.pending, x)
	if len(w.pending) < addBatch {
		return nil
	}
	return w.flush()
}

// flush stores what add has pending.
func (w *membershipWriter) flush() error {
	defer func() { w.pending = w.pending[:0] }()
	if len(w.pending) < addBatch {
		for i := range w.pending {
			if err := w.addOne(&w.pending[i]); err != nil {
				return err
			}
		}
		return nil
	}
	batch := w.pending
	w.bodies, w.ends = w.bodies[:0], w.ends[:0]
	for _, x := range batch {
		w.bodies = x.e.AppendEncode(w.bodies)
		w.ends = append(w.ends, len(w.bodies))
	}
	w.args = w.args[:0]
	start := 0
	for i := range batch {
		w.args = append(w.args, batch[i].hash[:], w.bodies[start:w.ends[i]])
		start = w.ends[i]
	}
	clear(w.ids)
	err := func() error {
		rows, err := w.addVersions.QueryContext(w.ctx, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var hash sql.RawBytes
			if err := rows.Scan(&id, &hash); err != nil {
				return err
			}
			w.ids[[sha256.Size]byte(hash)] = id
		}
		return rows.Err()
	}()
	if err != nil {
		return fmt.Errorf("store entities %s to %s: %w", batch[0].e.ID, batch[len(batch)-1].e.ID, err)
	}
	w.args = w.args[:0]
	for i := range batch {
		x := &batch[i]
		id, ok := w.ids[x.hash]
		if !ok {
			if err := w.findVersion.QueryRowContext(w.ctx, x.hash[:]).Scan(&id); err != nil {
				return fmt.Errorf("store entity %s: %w", x.e.ID, err)
			}
		}
		w.args = append(w.args, w.list, x.e.ID, id, w.snapshot)
	}
	if _, err := w.addMemberships.ExecContext(w.ctx, w.args...); err != nil {
		return fmt.Errorf("store memberships of %s to %s: %w", batch[0].e.ID, batch[len(batch)-1].e.ID, err)
	}
	return nil
}

// addOne stores one entity as add and flush do a batch.
func (w *membershipWriter) addOne(x *encoded) error {
	w.bodies = x.e.AppendEncode(w.bodies[:0])
	r, err := w.addVersion.ExecContext(w.ctx, x.hash[:], w.bodies)
	if err != nil {
		return fmt.Errorf("store entity %s: %w", x.e.ID, err)
	}
	var version int64
	if n, err := r.RowsAffected(); err != nil || n != 1 {
		err = w.findVersion.QueryRowContext(w.ctx, x.hash[:]).Scan(&version)
		if err != nil {
			return fmt.Errorf("store entity %s: %w", x.e.ID, err)
		}
	} else if version, err = r.LastInsertId(); err != nil {
		return fmt.Errorf("store entity %s: %w", x.e.ID, err)
	}
	if _, err := w.addMembership.ExecContext(w.ctx, w.list, x.e.ID, version, w.snapshot); err != nil {
		return fmt.Errorf("store membership of %s: %w", x.e.ID, err)
	}
	return nil
}

// closeInterval ends the entity's open membership at the new snapshot and
// returns the version it held.
func (w *membershipWriter) closeInterval(id string) (int64, error) {
	var version int64
	if err := w.closeOld.QueryRowContext(w.ctx, w.snapshot, w.list, id).Scan(&version); err != nil {
		return 0, fmt.Errorf("close membership of %s: %w", id, err)
	}
	return version, nil
}

func (w *membershipWriter) close() {
	for _, st := range []*sql.Stmt{w.addVersions, w.addMemberships, w.addVersion, w.addMembership, w.findVersion, w.closeOld} {
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

const snapshotColumns = `id, list, fetched_at, published_at, source, raw_sha256, content_sha256, entity_count, status, note, retracted_at, retract_reason, parser_version`

type scanner interface{ Scan(dest ...any) error }

// scanSnapshot scans snapshotColumns, then any extra columns into extra.
func scanSnapshot(row scanner, extra ...any) (*tracker.Snapshot, error) {
	var sn tracker.Snapshot
	var fetched, retracted, reason string
	dest := append([]any{&sn.ID, &sn.List, &fetched, &sn.PublishedAt, &sn.Source, &sn.RawSHA256,
		&sn.ContentSHA256, &sn.EntityCount, &sn.Status, &sn.Note, &retracted, &reason, &sn.ParserVersion}, extra...)
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
	if retracted != "" {
		// Retracted wins over the status it had: it is what people must see.
		sn.Status = tracker.SnapshotRetracted
		sn.Note = strings.TrimSpace("retracted " + retracted + ": " + reason + " " + sn.Note)
	}
	return &sn, nil
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

// EntityHistory returns every stored change of one entity of a list, oldest
// first, with the snapshot each was found in.
func (s *Store) EntityHistory(ctx context.Context, list, entityID string) ([]HistoryEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("s.", snapshotColumns)+`, c.body
		FROM changes c JOIN snapshots s ON s.id = c.snapshot_id
		WHERE c.list = ? AND c.entity_id = ? AND s.retracted_at = '' ORDER BY c.snapshot_id`, list, entityID)
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

// SetParserVersion records that a snapshot's publication reads the same
// with a newer parser, so it need not be re-read again.
func (s *Store) SetParserVersion(ctx context.Context, id int64, version int) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE snapshots SET parser_version = ? WHERE id = ? AND parser_version < ?`, version, id, version)
		return err
	})
}
