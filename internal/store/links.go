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
// changed entities are keyed (match.Keys) and compared with the entities of
// the other lists that share a key; strong verdicts are stored as links.
// A list whose keys are not current (its first snapshot, a database from
// before links, a retraction) is keyed and linked whole, once.

// linkRef names an entity of a list.
type linkRef struct{ list, id string }

// linker holds one snapshot's linking work inside its transaction.
type linker struct {
	ctx  context.Context
	tx   *sql.Tx
	snap int64
	// mem, when set, holds every other list's keys, read once: linking a
	// whole list asks about every key, and one scan beats thousands of
	// lookups.
	mem      map[string][]linkRef
	memList  string
	prepared map[linkRef]*match.Prepared
	// fresh: the list's keys and links were just cleared, nothing to
	// replace.
	fresh bool
	// keys wait to be written addBatch at a time: a statement per key
	// cost more than the rest of linking.
	keys    []any
	addKeys *sql.Stmt
	findKey *sql.Stmt
	lastVer *sql.Stmt
	addKey  *sql.Stmt
	addLink *sql.Stmt
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
			if c.Kind != tracker.Removed && c.Entity != nil {
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
	for i := range res.Changes {
		c := &res.Changes[i]
		if c.Kind == tracker.Removed {
			continue
		}
		if c.AlsoListed, err = alsoListedTx(ctx, tx, sn.List, c.ID); err != nil {
			return err
		}
		c.NotListedBy = notListedBy(others, c.AlsoListed)
	}
	return nil
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

func clearLinks(ctx context.Context, tx *sql.Tx, list string) error {
	for _, q := range []string{
		`DELETE FROM link_keys WHERE list = ?`,
		`DELETE FROM links WHERE list = ?1 OR other_list = ?1`,
	} {
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

// linkEntities replaces the keys and links of the given entities of list
// with those of their new versions.
func linkEntities(ctx context.Context, tx *sql.Tx, list string, snapshot int64, entities []*tracker.Entity, fresh bool) error {
	if len(entities) == 0 {
		return nil
	}
	l := &linker{ctx: ctx, tx: tx, snap: snapshot, prepared: map[linkRef]*match.Prepared{}, fresh: fresh}
	defer l.close()
	var err error
	if l.lastVer, err = tx.PrepareContext(ctx, `SELECT v.body FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = ? AND m.entity_id = ? ORDER BY m.from_snapshot DESC LIMIT 1`); err != nil {
		return err
	}
	if l.addKey, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO link_keys (key, list, entity_id) VALUES (?, ?, ?)`); err != nil {
		return err
	}
	if l.addKeys, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO link_keys (key, list, entity_id) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", addBatch), ", ")); err != nil {
		return err
	}
	if l.addLink, err = tx.PrepareContext(ctx, `INSERT INTO links (list, entity_id, other_list, other_id, score, reason, snapshot_id)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET score = excluded.score, reason = excluded.reason, snapshot_id = excluded.snapshot_id`); err != nil {
		return err
	}
	if len(entities) >= fullLinkAt {
		if err := l.loadKeys(list); err != nil {
			return err
		}
	} else if l.findKey, err = tx.PrepareContext(ctx, `SELECT list, entity_id FROM link_keys WHERE key = ? AND list <> ?`); err != nil {
		return err
	}
	for i, e := range entities {
		if i%saveCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := l.link(list, e); err != nil {
			return fmt.Errorf("link %s %s: %w", list, e.ID, err)
		}
	}
	return l.flushKeys(true)
}

// flushKeys writes the waiting keys, whole batches only unless all.
func (l *linker) flushKeys(all bool) error {
	quiet := context.WithoutCancel(l.ctx)
	const row = 3
	for len(l.keys) >= addBatch*row {
		if _, err := l.addKeys.ExecContext(quiet, l.keys[:addBatch*row]...); err != nil {
			return fmt.Errorf("store link keys: %w", err)
		}
		l.keys = l.keys[addBatch*row:]
	}
	if !all {
		return nil
	}
	for ; len(l.keys) > 0; l.keys = l.keys[row:] {
		if _, err := l.addKey.ExecContext(quiet, l.keys[:row]...); err != nil {
			return fmt.Errorf("store link keys: %w", err)
		}
	}
	return nil
}

func (l *linker) close() {
	for _, st := range []*sql.Stmt{l.findKey, l.lastVer, l.addKey, l.addKeys, l.addLink} {
		if st != nil {
			st.Close()
		}
	}
}

func (l *linker) loadKeys(list string) error {
	l.mem, l.memList = map[string][]linkRef{}, list
	rows, err := l.tx.QueryContext(l.ctx, `SELECT key, list, entity_id FROM link_keys WHERE list <> ?`, list)
	if err != nil {
		return fmt.Errorf("read link keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var r linkRef
		if err := rows.Scan(&k, &r.list, &r.id); err != nil {
			return err
		}
		l.mem[k] = append(l.mem[k], r)
	}
	return rows.Err()
}

// link replaces one entity's keys and links.
func (l *linker) link(list string, e *tracker.Entity) error {
	quiet := context.WithoutCancel(l.ctx)
	if !l.fresh {
		if err := l.unlink(quiet, list, e.ID); err != nil {
			return err
		}
	}
	p := match.Prepare(e)
	keys := match.Keys(p)
	seen := map[linkRef]bool{}
	var cands []linkRef
	for _, k := range keys {
		l.keys = append(l.keys, k, list, e.ID)
		refs, err := l.candidates(quiet, k, list)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if !seen[r] {
				seen[r] = true
				cands = append(cands, r)
			}
		}
	}
	if err := l.flushKeys(false); err != nil {
		return err
	}
	for _, r := range cands {
		other, err := l.entity(quiet, r)
		if err != nil {
			return err
		}
		if other == nil {
			continue
		}
		v := match.Compare(p, other)
		if !v.Strong {
			continue
		}
		reason := v.Reason()
		if _, err := l.addLink.ExecContext(quiet, list, e.ID, r.list, r.id, v.Score, reason, l.snap); err != nil {
			return err
		}
		if _, err := l.addLink.ExecContext(quiet, r.list, r.id, list, e.ID, v.Score, reason, l.snap); err != nil {
			return err
		}
	}
	return nil
}

// unlink removes an entity's keys and its links, both directions.
func (l *linker) unlink(ctx context.Context, list, id string) error {
	if _, err := l.tx.ExecContext(ctx, `DELETE FROM link_keys WHERE list = ? AND entity_id = ?`, list, id); err != nil {
		return err
	}
	rows, err := l.tx.QueryContext(ctx, `DELETE FROM links WHERE list = ? AND entity_id = ? RETURNING other_list, other_id`, list, id)
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
		if _, err := l.tx.ExecContext(ctx, `DELETE FROM links WHERE list = ? AND entity_id = ? AND other_list = ? AND other_id = ?`,
			o.list, o.id, list, id); err != nil {
			return err
		}
	}
	return nil
}

func (l *linker) candidates(ctx context.Context, key, list string) ([]linkRef, error) {
	if l.mem != nil && l.memList == list {
		return l.mem[key], nil
	}
	rows, err := l.findKey.QueryContext(ctx, key, list)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r scanner) (linkRef, error) {
		var x linkRef
		return x, r.Scan(&x.list, &x.id)
	})
}

// entity returns the last stored version of another list's entity,
// prepared; nil if it has none (its keys outlived a retraction).
func (l *linker) entity(ctx context.Context, r linkRef) (*match.Prepared, error) {
	if p, ok := l.prepared[r]; ok {
		return p, nil
	}
	var body []byte
	err := l.lastVer.QueryRowContext(ctx, r.list, r.id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		l.prepared[r] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e, err := tracker.DecodeEntity(body)
	if err != nil {
		return nil, err
	}
	p := match.Prepare(e)
	l.prepared[r] = p
	return p, nil
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
