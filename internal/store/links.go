package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/match"
)

// Cross-list links (schema migration 9). When a snapshot is stored, its
// changed entities are prepared (match.Prepare), their match facts and
// blocking keys stored, and compared with the facts of the other lists'
// entities that share a key; strong verdicts are stored as links. A list
// whose keys are not current (a database from before links, a retraction)
// is keyed and linked whole, once.

// linkRef names an entity of a list.
type linkRef struct{ list, id string }

// candidate is another list's entity, as its stored facts.
type candidate struct {
	ref   linkRef
	facts []byte
	p     *match.Prepared // decoded on first use
	bad   bool            // facts unreadable: never compared
}

// linker holds one linking run's work inside its snapshot's transaction.
type linker struct {
	// ctx has no cancellation: see storeSnapshotTx's quiet.
	ctx  context.Context
	tx   *sql.Tx
	list string
	snap int64
	// fresh: the list's keys and links were just cleared, nothing to
	// replace.
	fresh bool
	// others: another list has facts. Without, there is nothing to
	// compare with, and the run only stores keys and facts.
	others bool
	// mem, when set, holds the other lists' keys, read once: a run over
	// many entities asks about most keys, and one scan beats thousands of
	// lookups.
	mem   map[int64][]int64
	cands map[int64]*candidate // by link_facts id
	// nextID is the next link_facts id: the transaction holds the write
	// lock, so a run numbers its rows itself and batches them.
	nextID int64
	// rows wait to be written addBatch at a time: a statement per row
	// cost more than the rest of linking.
	factRows, keyRows                   []any
	addFacts, addFact, addKeys, addKey  *sql.Stmt
	findKey, oldFacts, delKey, setFacts *sql.Stmt
	addLink                             *sql.Stmt
	seen                                map[int64]bool
}

// linking is off only in BenchmarkSaveSnapshotLinks, to measure its cost.
var linking = true

// fullLinkAt is how many entities make a linking run read all keys at once.
const fullLinkAt = 500

// linkSnapshotTx brings the links up to date with a newly stored active
// snapshot: every list whose keys are stale is linked whole, then the new
// snapshot's changes are linked, and the added and amended changes get
// their AlsoListed and NotListedBy.
func linkSnapshotTx(ctx context.Context, tx *sql.Tx, res *SaveResult, entities []*tracker.Entity) error {
	sn := res.Snapshot
	lists, err := listsWithSnapshots(ctx, tx)
	if err != nil {
		return err
	}
	state := map[string]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT list, snapshot_id FROM link_state`)
	if err != nil {
		return fmt.Errorf("link state: %w", err)
	}
	for rows.Next() {
		var l string
		var id int64
		if err := rows.Scan(&l, &id); err != nil {
			rows.Close()
			return err
		}
		state[l] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, l := range lists {
		if l.name == sn.List {
			continue
		}
		if state[l.name] != l.latest {
			if err := linkWholeList(ctx, tx, l.name, l.latest); err != nil {
				return err
			}
		}
	}
	switch {
	case res.Previous == nil && !hasHistory(ctx, tx, sn.List, sn.ID):
		// The list's first snapshot: what it holds is all it ever held,
		// and already decoded.
		if err := clearLinks(ctx, tx, sn.List); err != nil {
			return err
		}
		if err := linkEntities(ctx, tx, sn.List, sn.ID, entities, true); err != nil {
			return err
		}
	case res.Previous == nil || state[sn.List] != res.Previous.ID:
		if err := linkWholeList(ctx, tx, sn.List, sn.ID); err != nil {
			return err
		}
	default:
		var changed []*tracker.Entity
		for _, c := range res.Changes {
			if c.Kind != tracker.Removed && c.Entity != nil && (c.Kind != tracker.Amended || readsAny(c.Fields)) {
				changed = append(changed, c.Entity)
			}
		}
		if err := linkEntities(ctx, tx, sn.List, sn.ID, changed, false); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO link_state (list, snapshot_id) VALUES (?, ?)
		ON CONFLICT (list) DO UPDATE SET snapshot_id = excluded.snapshot_id`, sn.List, sn.ID); err != nil {
		return fmt.Errorf("link state of %s: %w", sn.List, err)
	}

	others := make([]string, 0, len(lists))
	for _, l := range lists {
		if l.name != sn.List {
			others = append(others, l.name)
		}
	}
	// Few of a list's entities are linked: one query says which, instead
	// of one per change.
	rows, err = tx.QueryContext(ctx, `SELECT DISTINCT entity_id FROM links WHERE list = ?`, sn.List)
	if err != nil {
		return fmt.Errorf("links of %s: %w", sn.List, err)
	}
	ids, err := scanAll(rows, func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("links of %s: %w", sn.List, err)
	}
	linked := make(map[string]bool, len(ids))
	for _, id := range ids {
		linked[id] = true
	}
	for i := range res.Changes {
		c := &res.Changes[i]
		if c.Kind == tracker.Removed {
			continue
		}
		if linked[c.ID] {
			if c.AlsoListed, err = alsoListedTx(ctx, tx, sn.List, c.ID); err != nil {
				return err
			}
		}
		c.NotListedBy = notListedBy(others, c.AlsoListed)
	}
	return nil
}

// readsAny reports whether linking reads one of an amendment's fields:
// one that changed only programmes or remarks keeps its facts, keys and
// links.
func readsAny(fields []tracker.FieldChange) bool {
	return slices.ContainsFunc(fields, func(f tracker.FieldChange) bool { return match.Reads(f.Field) })
}

type listLatest struct {
	name   string
	latest int64
}

// listsWithSnapshots returns every list with an active snapshot and its
// latest one.
func listsWithSnapshots(ctx context.Context, q querier) ([]listLatest, error) {
	rows, err := q.QueryContext(ctx, `SELECT list, max(id) FROM snapshots
		WHERE status = 'active' AND retracted_at = '' GROUP BY list ORDER BY list`)
	if err != nil {
		return nil, fmt.Errorf("tracked lists: %w", err)
	}
	return scanAll(rows, func(r scanner) (listLatest, error) {
		var l listLatest
		return l, r.Scan(&l.name, &l.latest)
	})
}

// linkWholeList keys and links every entity the list holds or held (the
// last version of each), replacing what was stored for it, and marks its
// keys current at snapshot.
func linkWholeList(ctx context.Context, tx *sql.Tx, list string, snapshot int64) error {
	if err := clearLinks(ctx, tx, list); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT v.body FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = ?1 AND NOT EXISTS (SELECT 1 FROM memberships n
			WHERE n.list = ?1 AND n.entity_id = m.entity_id AND n.from_snapshot > m.from_snapshot)`, list)
	if err != nil {
		return fmt.Errorf("relink %s: %w", list, err)
	}
	var all []*tracker.Entity
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			rows.Close()
			return err
		}
		e, err := tracker.DecodeEntity(body)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := linkEntities(ctx, tx, list, snapshot, all, true); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO link_state (list, snapshot_id) VALUES (?, ?)
		ON CONFLICT (list) DO UPDATE SET snapshot_id = excluded.snapshot_id`, list, snapshot)
	return err
}

// clearLinks removes a list's facts, keys and links.
func clearLinks(ctx context.Context, tx *sql.Tx, list string) error {
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM link_facts WHERE list = ?)`, list).Scan(&has); err != nil {
		return fmt.Errorf("relink %s: %w", list, err)
	}
	qs := []string{`DELETE FROM links WHERE list = ?1 OR other_list = ?1`}
	if has {
		qs = append(qs, `DELETE FROM link_keys WHERE entity IN (SELECT id FROM link_facts WHERE list = ?)`,
			`DELETE FROM link_facts WHERE list = ?`)
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q, list); err != nil {
			return fmt.Errorf("relink %s: %w", list, err)
		}
	}
	return nil
}

// hasHistory reports whether the list holds entities from before snapshot
// (its memberships, not its snapshots: a retracted or quarantined one
// holds none).
func hasHistory(ctx context.Context, q querier, list string, snapshot int64) bool {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM memberships WHERE list = ? AND from_snapshot < ? LIMIT 1)`, list, snapshot).Scan(&n)
	return err != nil || n > 0
}

// memPerEntity: a run reads all other lists' keys at once when it links
// at least one entity per memPerEntity entities of the other lists; below
// that, a lookup per key is cheaper.
const memPerEntity = 8

// linkEntities replaces the facts, keys and links of the given entities of
// list with those of their new versions.
func linkEntities(ctx context.Context, tx *sql.Tx, list string, snapshot int64, entities []*tracker.Entity, fresh bool) error {
	if len(entities) == 0 {
		return nil
	}
	quiet := context.WithoutCancel(ctx)
	l := &linker{ctx: quiet, tx: tx, list: list, snap: snapshot, fresh: fresh,
		cands: map[int64]*candidate{}, seen: map[int64]bool{}}
	defer l.close()
	var others int
	if err := tx.QueryRowContext(quiet, `SELECT count(*) FROM link_facts WHERE list <> ?`, list).Scan(&others); err != nil {
		return fmt.Errorf("link facts: %w", err)
	}
	l.others = others > 0
	if err := tx.QueryRowContext(quiet, `SELECT coalesce(max(id), 0) + 1 FROM link_facts`).Scan(&l.nextID); err != nil {
		return fmt.Errorf("link facts: %w", err)
	}
	if err := l.prepare(); err != nil {
		return err
	}
	if l.others {
		if len(entities)*memPerEntity >= others {
			if err := l.loadOthers(); err != nil {
				return err
			}
		} else {
			var err error
			if l.findKey, err = tx.PrepareContext(quiet, `SELECT f.id, f.list, f.entity_id, f.facts
				FROM link_keys k JOIN link_facts f ON f.id = k.entity WHERE k.key = ? AND f.list <> ?`); err != nil {
				return err
			}
		}
	}
	for i, e := range entities {
		if i%saveCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := l.link(e); err != nil {
			return fmt.Errorf("link %s %s: %w", list, e.ID, err)
		}
	}
	return l.flush(true)
}

func (l *linker) prepare() error {
	values := func(row string, n int) string { return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") }
	for _, st := range []struct {
		to *(*sql.Stmt)
		q  string
	}{
		{&l.addFact, `INSERT INTO link_facts (id, list, entity_id, facts) VALUES (?, ?, ?, ?)`},
		{&l.addFacts, `INSERT INTO link_facts (id, list, entity_id, facts) VALUES ` + values("(?, ?, ?, ?)", addBatch)},
		{&l.addKey, `INSERT OR IGNORE INTO link_keys (key, entity) VALUES (?, ?)`},
		{&l.addKeys, `INSERT OR IGNORE INTO link_keys (key, entity) VALUES ` + values("(?, ?)", addBatch)},
		{&l.addLink, `INSERT INTO links (list, entity_id, other_list, other_id, score, reason, snapshot_id)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET score = excluded.score, reason = excluded.reason, snapshot_id = excluded.snapshot_id`},
	} {
		var err error
		if *st.to, err = l.tx.PrepareContext(l.ctx, st.q); err != nil {
			return fmt.Errorf("link: %w", err)
		}
	}
	if l.fresh {
		return nil
	}
	for _, st := range []struct {
		to *(*sql.Stmt)
		q  string
	}{
		{&l.oldFacts, `SELECT id, facts FROM link_facts WHERE list = ? AND entity_id = ?`},
		{&l.delKey, `DELETE FROM link_keys WHERE key = ? AND entity = ?`},
		{&l.setFacts, `UPDATE link_facts SET facts = ? WHERE id = ?`},
	} {
		var err error
		if *st.to, err = l.tx.PrepareContext(l.ctx, st.q); err != nil {
			return fmt.Errorf("link: %w", err)
		}
	}
	return nil
}

// flush writes the waiting rows, whole batches only unless all. Facts go
// first: a key names its facts row.
func (l *linker) flush(all bool) error {
	for _, w := range []struct {
		rows       *[]any
		n          int
		batch, one *sql.Stmt
		what       string
	}{
		{&l.factRows, 4, l.addFacts, l.addFact, "link facts"},
		{&l.keyRows, 2, l.addKeys, l.addKey, "link keys"},
	} {
		rows := *w.rows
		for len(rows) >= addBatch*w.n {
			if _, err := w.batch.ExecContext(l.ctx, rows[:addBatch*w.n]...); err != nil {
				return fmt.Errorf("store %s: %w", w.what, err)
			}
			rows = rows[addBatch*w.n:]
		}
		for ; all && len(rows) > 0; rows = rows[w.n:] {
			if _, err := w.one.ExecContext(l.ctx, rows[:w.n]...); err != nil {
				return fmt.Errorf("store %s: %w", w.what, err)
			}
		}
		// What is left moves to the front, so the buffer does not grow.
		*w.rows = append((*w.rows)[:0], rows...)
	}
	return nil
}

func (l *linker) close() {
	for _, st := range []*sql.Stmt{l.addFact, l.addFacts, l.addKey, l.addKeys, l.addLink, l.findKey, l.oldFacts, l.delKey, l.setFacts} {
		if st != nil {
			st.Close()
		}
	}
}

// loadOthers reads the other lists' facts and keys.
func (l *linker) loadOthers() error {
	rows, err := l.tx.QueryContext(l.ctx, `SELECT id, list, entity_id, facts FROM link_facts WHERE list <> ?`, l.list)
	if err != nil {
		return fmt.Errorf("read link facts: %w", err)
	}
	for rows.Next() {
		c := &candidate{}
		var id int64
		if err := rows.Scan(&id, &c.ref.list, &c.ref.id, &c.facts); err != nil {
			rows.Close()
			return err
		}
		l.cands[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	l.mem = map[int64][]int64{}
	rows, err = l.tx.QueryContext(l.ctx, `SELECT key, entity FROM link_keys`)
	if err != nil {
		return fmt.Errorf("read link keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, id int64
		if err := rows.Scan(&k, &id); err != nil {
			return err
		}
		if _, ok := l.cands[id]; ok {
			l.mem[k] = append(l.mem[k], id)
		}
	}
	return rows.Err()
}

// link stores one entity's facts and keys, replacing those of its
// previous version and its links, and links it to the candidates that
// Compare finds the same.
func (l *linker) link(e *tracker.Entity) error {
	p := match.Prepare(e)
	id, err := l.store(e.ID, p.AppendFacts(nil))
	if err != nil {
		return err
	}
	keys := match.Keys(p)
	hashes := make([]int64, len(keys))
	for i, k := range keys {
		hashes[i] = match.KeyHash(k)
		l.keyRows = append(l.keyRows, hashes[i], id)
	}
	if err := l.flush(false); err != nil {
		return err
	}
	if !l.others {
		return nil
	}
	clear(l.seen)
	for _, h := range hashes {
		ids, err := l.candidates(h)
		if err != nil {
			return err
		}
		for _, cid := range ids {
			if l.seen[cid] {
				continue
			}
			l.seen[cid] = true
			c := l.cands[cid]
			if c.p == nil && !c.bad {
				if c.p, err = match.DecodeFacts(c.facts); err != nil {
					// A facts row this code cannot read is left
					// unlinked rather than failing the snapshot;
					// relinking its list whole rewrites it.
					c.bad = true
				}
				c.facts = nil
			}
			if c.bad {
				continue
			}
			v := match.Compare(p, c.p)
			if !v.Strong {
				continue
			}
			reason := v.Reason()
			if _, err := l.addLink.ExecContext(l.ctx, l.list, e.ID, c.ref.list, c.ref.id, v.Score, reason, l.snap); err != nil {
				return err
			}
			if _, err := l.addLink.ExecContext(l.ctx, c.ref.list, c.ref.id, l.list, e.ID, v.Score, reason, l.snap); err != nil {
				return err
			}
		}
	}
	return nil
}

// store queues an entity's facts and returns the id its keys name. An
// entity the run does not see for the first time keeps its id; its old
// keys and its links, both directions, are removed.
func (l *linker) store(entityID string, facts []byte) (int64, error) {
	if !l.fresh {
		var id int64
		var old []byte
		err := l.oldFacts.QueryRowContext(l.ctx, l.list, entityID).Scan(&id, &old)
		switch {
		case err == nil:
			if err := l.unlink(id, old, entityID); err != nil {
				return 0, err
			}
			if _, err := l.setFacts.ExecContext(l.ctx, facts, id); err != nil {
				return 0, fmt.Errorf("store link facts: %w", err)
			}
			return id, nil
		case !errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("link facts: %w", err)
		}
	}
	id := l.nextID
	l.nextID++
	l.factRows = append(l.factRows, id, l.list, entityID, facts)
	return id, nil
}

// unlink removes the keys of an entity's previous facts and its links,
// both directions. Its keys are those its old facts give: no index from
// entity to key is kept, since it would cost every key written.
func (l *linker) unlink(id int64, old []byte, entityID string) error {
	if p, err := match.DecodeFacts(old); err == nil {
		for _, k := range match.Keys(p) {
			if _, err := l.delKey.ExecContext(l.ctx, match.KeyHash(k), id); err != nil {
				return err
			}
		}
	} else if _, err := l.tx.ExecContext(l.ctx, `DELETE FROM link_keys WHERE entity = ?`, id); err != nil {
		return err
	}
	rows, err := l.tx.QueryContext(l.ctx, `DELETE FROM links WHERE list = ? AND entity_id = ? RETURNING other_list, other_id`, l.list, entityID)
	if err != nil {
		return err
	}
	others, err := scanAll(rows, func(r scanner) (linkRef, error) {
		var x linkRef
		return x, r.Scan(&x.list, &x.id)
	})
	if err != nil {
		return err
	}
	for _, o := range others {
		if _, err := l.tx.ExecContext(l.ctx, `DELETE FROM links WHERE list = ? AND entity_id = ? AND other_list = ? AND other_id = ?`,
			o.list, o.id, l.list, entityID); err != nil {
			return err
		}
	}
	return nil
}

// candidates returns the ids of the other lists' entities holding a key.
func (l *linker) candidates(key int64) ([]int64, error) {
	if l.mem != nil {
		return l.mem[key], nil
	}
	rows, err := l.findKey.QueryContext(l.ctx, key, l.list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		c := &candidate{}
		if err := rows.Scan(&id, &c.ref.list, &c.ref.id, &c.facts); err != nil {
			return nil, err
		}
		if _, ok := l.cands[id]; !ok {
			l.cands[id] = c
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// AlsoListed returns the designations on other lists linked to an entity,
// the strongest first.
func (s *Store) AlsoListed(ctx context.Context, list, entityID string) ([]tracker.Listing, error) {
	return alsoListedTx(ctx, s.r, list, entityID)
}

// NotListedBy returns the tracked lists, other than list, that have no
// designation among also.
func (s *Store) NotListedBy(ctx context.Context, list string, also []tracker.Listing) ([]string, error) {
	lists, err := listsWithSnapshots(ctx, s.r)
	if err != nil {
		return nil, err
	}
	var others []string
	for _, l := range lists {
		if l.name != list {
			others = append(others, l.name)
		}
	}
	return notListedBy(others, also), nil
}

func notListedBy(others []string, also []tracker.Listing) []string {
	var out []string
	for _, o := range others {
		if !slices.ContainsFunc(also, func(l tracker.Listing) bool { return l.List == o }) {
			out = append(out, o)
		}
	}
	return out
}

func alsoListedTx(ctx context.Context, q querier, list, entityID string) ([]tracker.Listing, error) {
	rows, err := q.QueryContext(ctx, `SELECT other_list, other_id, score, reason FROM links
		WHERE list = ? AND entity_id = ? ORDER BY score DESC, other_list, other_id`, list, entityID)
	if err != nil {
		return nil, fmt.Errorf("links of %s %s: %w", list, entityID, err)
	}
	out, err := scanAll(rows, func(r scanner) (tracker.Listing, error) {
		var l tracker.Listing
		return l, r.Scan(&l.List, &l.ID, &l.Score, &l.Reason)
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := fillListing(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fillListing completes a linked designation from its last stored version:
// name, regimes, designation date, and whether the other list still holds
// it.
func fillListing(ctx context.Context, q querier, l *tracker.Listing) error {
	var body []byte
	var to sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT v.body, m.to_snapshot FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = ? AND m.entity_id = ? ORDER BY m.from_snapshot DESC LIMIT 1`, l.List, l.ID).Scan(&body, &to)
	if err != nil {
		return fmt.Errorf("linked %s %s: %w", l.List, l.ID, err)
	}
	e, err := tracker.DecodeEntity(body)
	if err != nil {
		return err
	}
	l.Name, l.Regimes, l.Designated = e.Name, e.Programs, e.Designated
	if l.Designated == "" {
		l.Designated = e.Attrs["listed_on"]
	}
	l.StillListed = !to.Valid
	if to.Valid {
		var published, fetched string
		if err := q.QueryRowContext(ctx, `SELECT published_at, fetched_at FROM snapshots WHERE id = ?`, to.Int64).Scan(&published, &fetched); err != nil {
			return fmt.Errorf("linked %s %s: %w", l.List, l.ID, err)
		}
		l.ListedUntil = published
		if l.ListedUntil == "" {
			l.ListedUntil, _, _ = strings.Cut(fetched, "T")
		}
	}
	return nil
}
