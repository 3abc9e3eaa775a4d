package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
)

// updateMemberships makes the list's open memberships, open (sorted by
// id), those of the new snapshot, enc: an unchanged entity keeps its open
// interval, so storage grows with what changed. It returns the versions
// that were closed (entities amended or removed) and the entities newly
// stored (added or amended), which are all the diff needs. Its statements
// run with quiet, and ctx is checked every saveCtxEvery entities (see
// saveTx).
func updateMemberships(ctx, quiet context.Context, tx *sql.Tx, list string, snapshot int64, enc []encoded, open []openMembership) (changedOld []int64, changedNew []*tracker.Entity, err error) {
	w, err := newMembershipWriter(quiet, tx, list, snapshot)
	if err != nil {
		return nil, nil, err
	}
	defer w.close()

	// Both the new entities and the open memberships are sorted by id:
	// one pass over the two finds what was added, changed and removed.
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
				return nil, nil, err
			}
		}
		id := x.e.ID
		if i > 0 && enc[i-1].key == x.key && enc[i-1].e.ID == id {
			return nil, nil, fmt.Errorf("entity id %s given twice", id)
		}
		for ; j < len(open) && open[j].id < id; j++ { // not in the new snapshot
			if err := closeOld(open[j].id); err != nil {
				return nil, nil, err
			}
		}
		if j < len(open) && open[j].id == id {
			unchanged := open[j].hash == x.hash
			j++
			if unchanged {
				continue // its interval stays open
			}
			if err := closeOld(id); err != nil {
				return nil, nil, err
			}
		}
		if err := w.add(x); err != nil {
			return nil, nil, err
		}
		changedNew = append(changedNew, x.e)
	}
	for ; j < len(open); j++ {
		if err := closeOld(open[j].id); err != nil {
			return nil, nil, err
		}
	}
	if err := w.flush(); err != nil {
		return nil, nil, err
	}
	return changedOld, changedNew, nil
}

// saveCtxEvery is how many entities saveTx stores between checks of its
// context.
const saveCtxEvery = 1024

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
// list's first snapshot adds every entity. A full batch is encoded, and
// its values boxed, on another goroutine while SQLite stores the batch
// before it: for a list's first snapshot that was a sixth of the writes'
// time on the one busy CPU.
type membershipWriter struct {
	ctx      context.Context
	list     string
	snapshot int64
	// addBatch rows each, and one row for what is left at the end.
	addVersions, addMemberships, addVersion, addMembership *sql.Stmt
	findVersion, closeOld                                  *sql.Stmt

	// bufs are used in turn: one batch fills while the other is encoded
	// or stored. pending is bufs[cur].rows.
	bufs     [2]*writeBatch
	cur      int
	pending  []encoded
	inFlight *writeBatch // encoded or being encoded, not yet stored
	bodies   []byte      // addOne's encoding
	// lastID is the highest entity_versions id: a batch gives its new
	// versions the ids after it, so no INSERT … RETURNING round trip is
	// needed to learn them (it cost a quarter of the inserts' time).
	lastID int64
}

// writeBatch is a full batch of entities to store, with their encodings
// and the statements' values.
type writeBatch struct {
	rows     []encoded
	first    int64 // the version id of rows[0] unless it existed
	bodies   []byte
	versions []any // the first id, then hash and body per row
	members  []any // list and snapshot, then entity id and version id per row
	done     chan struct{}
}

// encode fills the batch's values; it runs on its own goroutine.
func (b *writeBatch) encode(list string, snapshot int64) {
	defer close(b.done)
	b.bodies = b.bodies[:0]
	ends := make([]int, len(b.rows))
	for i := range b.rows {
		b.bodies = b.rows[i].e.AppendEncode(b.bodies)
		ends[i] = len(b.bodies)
	}
	b.versions = append(b.versions[:0], b.first)
	b.members = append(b.members[:0], list, snapshot)
	start := 0
	for i := range b.rows {
		x := &b.rows[i]
		b.versions = append(b.versions, x.hash[:], b.bodies[start:ends[i]])
		b.members = append(b.members, x.e.ID, b.first+int64(i))
		start = ends[i]
	}
}

// addBatch is how many rows one statement stores: past a hundred, more
// saves little.
const addBatch = 128

func newMembershipWriter(ctx context.Context, tx *sql.Tx, list string, snapshot int64) (*membershipWriter, error) {
	w := &membershipWriter{ctx: ctx, list: list, snapshot: snapshot,
		bufs: [2]*writeBatch{{rows: make([]encoded, 0, addBatch)}, {rows: make([]encoded, 0, addBatch)}}}
	w.pending = w.bufs[0].rows
	// The transaction holds the write lock (BEGIN IMMEDIATE): no other
	// writer takes ids after this one.
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM entity_versions`).Scan(&w.lastID); err != nil {
		return nil, err
	}
	var err error
	// A version that already exists (an entity back to earlier content,
	// or the same content on another list) is not inserted; a batch with
	// such a version looks its ids up one by one: that is rare.
	if w.addVersions, err = tx.PrepareContext(ctx, `INSERT INTO entity_versions (id, hash, body) VALUES `+batchRows(addBatch, 1, "(?1 + %[1]d, ?%[2]d, ?%[3]d)")+`
		ON CONFLICT (hash) DO NOTHING`); err != nil {
		return nil, err
	}
	if w.addVersion, err = tx.PrepareContext(ctx, `INSERT INTO entity_versions (id, hash, body) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING`); err != nil {
		return nil, err
	}
	if w.findVersion, err = tx.PrepareContext(ctx, `SELECT id FROM entity_versions WHERE hash = ?`); err != nil {
		return nil, err
	}
	const membership = `INSERT INTO memberships (list, entity_id, version_id, from_snapshot) VALUES `
	if w.addMemberships, err = tx.PrepareContext(ctx, membership+batchRows(addBatch, 2, "(?1, ?%[2]d, ?%[3]d, ?2)")); err != nil {
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

// batchRows is the VALUES rows of a batch statement whose first fixed
// parameters are the same for every row (a list's name, a snapshot, the
// first version id) and are bound once: row is a format of the row's
// number (%[1]d) and its two own parameters' numbers (%[2]d, %[3]d).
func batchRows(n, fixed int, row string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, row, i, fixed+2*i+1, fixed+2*i+2)
	}
	return b.String()
}

// add queues the entity to be stored as a member of the new snapshot, with
// its version unless that exists. A full batch is handed to a goroutine to
// encode, and the batch before it stored; flush stores the rest.
func (w *membershipWriter) add(x encoded) error {
	w.pending = append(w.pending, x)
	if len(w.pending) < addBatch {
		return nil
	}
	b := w.bufs[w.cur]
	b.rows = w.pending
	b.first = w.lastID + 1
	w.lastID += int64(len(b.rows))
	b.done = make(chan struct{})
	go b.encode(w.list, w.snapshot)
	err := w.storeInFlight()
	w.inFlight = b
	w.cur ^= 1
	w.pending = w.bufs[w.cur].rows[:0]
	return err
}

// flush stores what add has pending.
func (w *membershipWriter) flush() error {
	if err := w.storeInFlight(); err != nil {
		return err
	}
	defer func() { w.pending = w.pending[:0] }()
	for i := range w.pending {
		if err := w.addOne(&w.pending[i]); err != nil {
			return err
		}
	}
	return nil
}

// storeInFlight stores the batch handed to the encoder last, if any.
func (w *membershipWriter) storeInFlight() error {
	b := w.inFlight
	if b == nil {
		return nil
	}
	w.inFlight = nil
	<-b.done
	r, err := w.addVersions.ExecContext(w.ctx, b.versions...)
	var inserted int64
	if err == nil {
		inserted, err = r.RowsAffected()
	}
	if err != nil {
		return fmt.Errorf("store entities %s to %s: %w", b.rows[0].e.ID, b.rows[len(b.rows)-1].e.ID, err)
	}
	// Some versions existed already: which ones, only their hash says.
	if inserted != int64(len(b.rows)) {
		for i := range b.rows {
			x := &b.rows[i]
			var id int64
			if err := w.findVersion.QueryRowContext(w.ctx, x.hash[:]).Scan(&id); err != nil {
				return fmt.Errorf("store entity %s: %w", x.e.ID, err)
			}
			b.members[2+2*i+1] = id
		}
	}
	if _, err := w.addMemberships.ExecContext(w.ctx, b.members...); err != nil {
		return fmt.Errorf("store memberships of %s to %s: %w", b.rows[0].e.ID, b.rows[len(b.rows)-1].e.ID, err)
	}
	return nil
}

// addOne stores one entity as add and flush do a batch.
func (w *membershipWriter) addOne(x *encoded) error {
	w.bodies = x.e.AppendEncode(w.bodies[:0])
	version := w.lastID + 1
	w.lastID++
	r, err := w.addVersion.ExecContext(w.ctx, version, x.hash[:], w.bodies)
	if err != nil {
		return fmt.Errorf("store entity %s: %w", x.e.ID, err)
	}
	if n, err := r.RowsAffected(); err != nil || n != 1 {
		if err := w.findVersion.QueryRowContext(w.ctx, x.hash[:]).Scan(&version); err != nil {
			return fmt.Errorf("store entity %s: %w", x.e.ID, err)
		}
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
	if w.inFlight != nil { // a failed write: the encoder ends on its own, but not after the statements it feeds
		<-w.inFlight.done
	}
	for _, st := range []*sql.Stmt{w.addVersions, w.addMemberships, w.addVersion, w.addMembership, w.findVersion, w.closeOld} {
		if st != nil {
			st.Close()
		}
	}
}
