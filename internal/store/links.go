package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
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

// linkItem is one entity of a linking run, prepared.
type linkItem struct {
	// id is the entity's; the entity itself is not kept: a whole list's
	// run would keep every decoded entity alive to the end.
	id     string
	p      *match.Prepared // decoded from facts when it has candidates
	facts  []byte
	hashes []int64
}

// keyRow is a pair of the key index: a key hash and the link_facts id
// of an entity holding it.
type keyRow struct{ key, entity int64 }

// storedFacts is an entity's facts row from before the run.
type storedFacts struct {
	id    int64
	facts []byte
}

// linker holds one linking run's work inside its snapshot's transaction.
// A run asks SQLite a handful of questions, each about all its entities at
// once (their old facts, the candidates of all their keys), and writes
// its rows in batches: a statement per entity or per key cost more than
// the rest of linking.
type linker struct {
	// ctx has no cancellation: see storeSnapshotTx's quiet.
	ctx  context.Context
	tx   *sql.Tx
	list string
	snap int64
	// fresh: the list's keys and links were just cleared, nothing to
	// replace.
	fresh bool
	old   map[string]storedFacts
	// byKey and cands are the other lists' entities sharing a key with
	// one of the run's.
	byKey map[int64][]int64
	cands map[int64]*candidate // by link_facts id
	// nextID is the next link_facts id: the transaction holds the write
	// lock, so a run numbers its rows itself.
	nextID   int64
	factRows []factRow
	keyRows  []keyRow
	// dropKeys and dropAll are the key pairs of the run's entities'
	// previous facts, removed from the key index before keyRows are
	// added: dropAll the ids whose old facts did not decode, all of whose
	// pairs go.
	dropKeys []keyRow
	dropAll  map[int64]bool
	linkRows []linkRow
	seen     map[int64]bool
}

// factRow is a link_facts row to insert.
type factRow struct {
	id       int64
	entityID string
	facts    []byte
}

// linkRow is a links row to insert; its snapshot is the run's.
type linkRow struct {
	list, entityID, otherList, otherID string
	score                              float64
	reason                             string
}

// linking is off only in BenchmarkSaveSnapshotLinks, to measure its cost.
var linking = true

// linkSnapshotTx brings the links up to date with a newly stored active
// snapshot: every list whose keys are stale is linked whole, then the new
// snapshot's changes are linked, and the added and amended changes get
// their AlsoListed and NotListedBy.
func linkSnapshotTx(ctx context.Context, tx *sql.Tx, res *SaveResult, entities []*tracker.Entity, early *earlyPrep, relink *earlyRelink, authority func(string) string) error {
	sn := res.Snapshot
	lists, err := listsWithSnapshots(ctx, tx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(lists, func(l listLatest) bool { return l.name != sn.List }) {
		// Nothing to link with: the list's keys stay stale, and the first
		// snapshot of another list links it whole then. A first import
		// into an empty database pays nothing for linking.
		return nil
	}
	state, err := linkStates(ctx, tx)
	if err != nil {
		return err
	}
	relinked := false
	for _, l := range lists {
		if l.name != sn.List && state[l.name] != l.latest {
			if err := linkWholeList(ctx, tx, l.name, l.latest, relink.items(ctx, l.name, l.latest)); err != nil {
				return err
			}
			relinked = true
		}
	}
	if err := linkNewSnapshot(ctx, tx, res, entities, early, state, relinked); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO link_state (list, snapshot_id) VALUES (?, ?)
		ON CONFLICT (list) DO UPDATE SET snapshot_id = excluded.snapshot_id`, sn.List, sn.ID); err != nil {
		return fmt.Errorf("link state of %s: %w", sn.List, err)
	}
	return setAlsoListed(ctx, tx, res, lists, authority)
}

// linkStates reads up to which snapshot each list's keys are current.
func linkStates(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT list, snapshot_id FROM link_state`)
	if err != nil {
		return nil, fmt.Errorf("link state: %w", err)
	}
	type listState struct {
		list string
		id   int64
	}
	all, err := scanAll(rows, func(r scanner) (listState, error) {
		var st listState
		return st, r.Scan(&st.list, &st.id)
	})
	if err != nil {
		return nil, fmt.Errorf("link state: %w", err)
	}
	state := make(map[string]int64, len(all))
	for _, st := range all {
		state[st.list] = st.id
	}
	return state, nil
}

// linkNewSnapshot links the new snapshot's list: whole for its first
// snapshot (what it holds is all it ever held, and already decoded) or
// when its keys are stale, else only its added entities and the
// amendments of fields linking reads. relinked says another list was
// just relinked whole: its keys changed since the transaction began.
func linkNewSnapshot(ctx context.Context, tx *sql.Tx, res *SaveResult, entities []*tracker.Entity, early *earlyPrep, state map[string]int64, relinked bool) error {
	sn := res.Snapshot
	switch {
	case res.Previous == nil && !hasHistory(ctx, tx, sn.List, sn.ID):
		if err := clearLinks(ctx, tx, sn.List); err != nil {
			return err
		}
		items, err := early.wait(ctx, entities)
		if err != nil {
			return err
		}
		pre := early.candidates(ctx, items, relinked)
		return linkItems(ctx, tx, sn.List, sn.ID, items, true, pre)
	case res.Previous == nil || state[sn.List] != res.Previous.ID:
		return linkWholeList(ctx, tx, sn.List, sn.ID, nil)
	}
	var changed []*tracker.Entity
	for _, c := range res.Changes {
		if c.Kind != tracker.Removed && c.Entity != nil && (c.Kind != tracker.Amended || readsAny(c.Fields)) {
			changed = append(changed, c.Entity)
		}
	}
	return linkEntities(ctx, tx, sn.List, sn.ID, changed, false)
}

// setAlsoListed gives every change its AlsoListed, and the added and
// amended ones their NotListedBy. Few of a list's entities are linked: one query says which,
// instead of one per change.
func setAlsoListed(ctx context.Context, tx *sql.Tx, res *SaveResult, lists []listLatest, authority func(string) string) error {
	sn := res.Snapshot
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT entity_id FROM links WHERE list = ?`, sn.List)
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
		if linked[c.ID] {
			// A removal keeps its links too: "dropped while the UK still
			// lists it" is news for an analyst.
			if c.AlsoListed, err = alsoListedTx(ctx, tx, authority, sn.List, c.ID); err != nil {
				return err
			}
		}
		if c.Kind != tracker.Removed {
			c.NotListedBy = notListedBy(authority, sn.List, lists, c.AlsoListed)
		}
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
// keys current at snapshot. pre, when not nil, is those entities already
// prepared (earlyRelink).
func linkWholeList(ctx context.Context, tx *sql.Tx, list string, snapshot int64, pre []linkItem) error {
	if err := clearLinks(ctx, tx, list); err != nil {
		return err
	}
	items := pre
	if items == nil {
		all, err := linkedEntities(ctx, tx, list)
		if err != nil {
			return err
		}
		if items, err = prepareItems(ctx, all, runtime.GOMAXPROCS(0)); err != nil {
			return err
		}
	}
	if err := linkItems(ctx, tx, list, snapshot, items, true, nil); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO link_state (list, snapshot_id) VALUES (?, ?)
		ON CONFLICT (list) DO UPDATE SET snapshot_id = excluded.snapshot_id`, list, snapshot)
	return err
}

// linkedEntities returns every entity the list holds or held, the last
// version of each, with only the fields match.Prepare reads.
func linkedEntities(ctx context.Context, q querier, list string) ([]*tracker.Entity, error) {
	rows, err := q.QueryContext(ctx, `SELECT v.body FROM memberships m JOIN entity_versions v ON v.id = m.version_id
		WHERE m.list = ?1 AND NOT EXISTS (SELECT 1 FROM memberships n
			WHERE n.list = ?1 AND n.entity_id = m.entity_id AND n.from_snapshot > m.from_snapshot)`, list)
	if err != nil {
		return nil, fmt.Errorf("relink %s: %w", list, err)
	}
	defer rows.Close()
	var all []*tracker.Entity
	for rows.Next() {
		// Decoded at once, so SQLite's copy of the body serves: no copy
		// of each body is made.
		var body sql.RawBytes
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		e, err := decodeForLinking(body)
		if err != nil {
			return nil, fmt.Errorf("relink %s: %w", list, err)
		}
		all = append(all, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relink %s: %w", list, err)
	}
	return all, nil
}

// linkView is the part of a stored entity that match.Prepare reads (the
// fields match.Reads names, and of those only the parts it looks at: an
// alias's name and strength, an address's country, the UK and UN
// references among the attributes, as match's attrUKRef and attrUNRef
// name them): decoding only it skips the remarks, notices, programmes and
// the attributes' long texts, half of what a whole list's relinking
// cost. TestDecodeForLinking holds it to what match.Prepare makes of the
// whole entity.
type linkView struct {
	ID            string        `json:"id"`
	Kind          tracker.Kind  `json:"kind"`
	Name          string        `json:"name"`
	Aliases       []linkAlias   `json:"aliases"`
	BirthDates    []string      `json:"birth_dates"`
	Nationalities []string      `json:"nationalities"`
	Addresses     []linkAddress `json:"addresses"`
	Identifiers   []linkIdent   `json:"identifiers"`
	Attrs         linkAttrs     `json:"attrs"`
}

type linkAlias struct {
	Name     string `json:"name"`
	Strength string `json:"strength"`
}

type linkAddress struct {
	Country string `json:"country"`
}

type linkIdent struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Country string `json:"country"`
}

type linkAttrs struct {
	UKRef string `json:"uk_ref"`
	UNRef string `json:"un_ref"`
}

// decodeForLinking decodes the parts of a stored entity that linking
// reads.
func decodeForLinking(body []byte) (*tracker.Entity, error) {
	v, ok := scanLinkView(body)
	if !ok {
		v = linkView{}
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("decode entity: %w", err)
		}
	}
	e := &tracker.Entity{ID: v.ID, Kind: v.Kind, Name: v.Name, BirthDates: v.BirthDates, Nationalities: v.Nationalities}
	if len(v.Aliases) > 0 {
		e.Aliases = make([]tracker.Alias, len(v.Aliases))
		for i, a := range v.Aliases {
			e.Aliases[i] = tracker.Alias{Name: a.Name, Strength: a.Strength}
		}
	}
	if len(v.Addresses) > 0 {
		e.Addresses = make([]tracker.Address, len(v.Addresses))
		for i, a := range v.Addresses {
			e.Addresses[i] = tracker.Address{Country: a.Country}
		}
	}
	if len(v.Identifiers) > 0 {
		e.Identifiers = make([]tracker.Identifier, len(v.Identifiers))
		for i, id := range v.Identifiers {
			e.Identifiers[i] = tracker.Identifier{Type: id.Type, Value: id.Value, Country: id.Country}
		}
	}
	if v.Attrs.UKRef != "" || v.Attrs.UNRef != "" {
		e.Attrs = map[string]string{}
		if v.Attrs.UKRef != "" {
			e.Attrs["uk_ref"] = v.Attrs.UKRef
		}
		if v.Attrs.UNRef != "" {
			e.Attrs["un_ref"] = v.Attrs.UNRef
		}
	}
	return e, nil
}

// earlyRelink loads and prepares, on another goroutine, the entities of
// the other lists whose keys are stale, which linkSnapshotTx links whole:
// a list stored while it was alone (see linkSnapshotTx) is keyed by the
// first snapshot of the next list, and decoding and preparing it then
// cost as much as storing that snapshot. It runs beside the snapshot's
// writes, which leave a CPU idle.
//
// It reads through the reader pool, and is started inside the snapshot's
// write transaction: that transaction holds the write lock from BEGIN
// (_txlock=immediate), so no other writer commits before it does, and the
// reader sees what the transaction started from. The transaction changes
// only its own list's memberships and the links, so the other lists'
// entities read here are the ones it would read itself.
type earlyRelink struct {
	cancel context.CancelFunc
	done   chan struct{}
	lists  map[linkRef][]linkItem // by list and its latest snapshot (linkRef.id)
	err    error
	// all says the stale lists are all the other lists with keys or
	// snapshots: once relinked, their entities are all the candidates
	// there are, and relinkCandidates can find them in memory.
	all bool
}

// startEarlyRelink starts loading the other lists of list whose keys are
// stale, as tx sees them; nil when there are none (the usual case: only a
// list's first snapshot beside another list's makes one stale) or linking
// is off.
func (s *Store) startEarlyRelink(ctx context.Context, tx *sql.Tx, list string) *earlyRelink {
	if !linking {
		return nil
	}
	lists, err := listsWithSnapshots(ctx, tx)
	if err != nil {
		return nil // linkSnapshotTx asks again and reports it
	}
	state, err := linkStates(ctx, tx)
	if err != nil {
		return nil
	}
	var stale []listLatest
	for _, l := range lists {
		if l.name != list && state[l.name] != l.latest {
			stale = append(stale, l)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	others := len(lists)
	if slices.ContainsFunc(lists, func(l listLatest) bool { return l.name == list }) {
		others--
	}
	all := len(stale) == others
	if all {
		// A list with keys but no active snapshot (all retracted) is
		// not relinked, and its keys are candidates too.
		var keyed bool
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM link_index WHERE list <> ?1 AND list NOT IN (SELECT value FROM json_each(?2)))`,
			list, inJSONLists(stale)).Scan(&keyed)
		all = err == nil && !keyed
	}
	ctx, cancel := context.WithCancel(ctx)
	er := &earlyRelink{cancel: cancel, done: make(chan struct{}), all: all}
	go func() {
		defer close(er.done)
		er.lists, er.err = loadStale(ctx, s, stale)
	}()
	return er
}

// loadStale reads and prepares the entities of the given lists.
func loadStale(ctx context.Context, s *Store, stale []listLatest) (map[linkRef][]linkItem, error) {
	out := map[linkRef][]linkItem{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		for _, l := range stale {
			all, err := linkedEntities(ctx, tx, l.name)
			if err != nil {
				return err
			}
			// Every CPU: whatever of it is left when the snapshot's writes
			// end is what the transaction waits for.
			items, err := prepareItems(ctx, all, runtime.GOMAXPROCS(0))
			if err != nil {
				return err
			}
			out[linkRef{l.name, strconv.FormatInt(l.latest, 10)}] = items
		}
		return nil
	})
	return out, err
}

// inJSONLists is inJSON of the lists' names.
func inJSONLists(ls []listLatest) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.name
	}
	js, _ := inJSON(names) // strings always encode
	return js
}

// relinkCandidates returns the entities of every stale list holding any
// key, from their early preparation: what lookupCandidates would read
// once they are relinked, when they are all the other lists (er.all).
// Their ids are not link_facts ids, which the transaction has not given
// yet, but compare uses ids only to tell candidates apart.
func (er *earlyRelink) relinkCandidates(ctx context.Context) (*candidates, error) {
	select {
	case <-er.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if er.err != nil {
		return nil, er.err
	}
	c := &candidates{byKey: map[int64][]int64{}, cands: map[int64]*candidate{}}
	id := int64(0)
	for ref, items := range er.lists {
		for _, it := range items {
			id++
			c.cands[id] = &candidate{ref: linkRef{ref.list, it.id}, facts: it.facts}
			for _, h := range it.hashes {
				// An entity's key once, however many of its names give it.
				if ids := c.byKey[h]; len(ids) == 0 || ids[len(ids)-1] != id {
					c.byKey[h] = append(ids, id)
				}
			}
		}
	}
	return c, nil
}

// items returns the early preparation of list at its latest snapshot, or
// nil if there is none (then the caller prepares the list itself).
func (er *earlyRelink) items(ctx context.Context, list string, latest int64) []linkItem {
	if er == nil {
		return nil
	}
	select {
	case <-er.done:
	case <-ctx.Done():
		return nil
	}
	if er.err != nil {
		return nil
	}
	return er.lists[linkRef{list, strconv.FormatInt(latest, 10)}]
}

// stop ends the early work if it is still running and waits for it: it
// reads through a pooled connection, which must not outlive the save.
func (er *earlyRelink) stop() {
	if er == nil {
		return
	}
	er.cancel()
	<-er.done
}

// clearLinks removes a list's facts, keys and links.
func clearLinks(ctx context.Context, tx *sql.Tx, list string) error {
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM link_facts WHERE list = ?)`, list).Scan(&has); err != nil {
		return fmt.Errorf("relink %s: %w", list, err)
	}
	qs := []string{`DELETE FROM links WHERE list = ?1 OR other_list = ?1`, `DELETE FROM link_index WHERE list = ?`}
	if has {
		qs = append(qs, `DELETE FROM link_facts WHERE list = ?`)
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

// linkEntities replaces the facts, keys and links of the given entities of
// list with those of their new versions.
func linkEntities(ctx context.Context, tx *sql.Tx, list string, snapshot int64, entities []*tracker.Entity, fresh bool) error {
	items, err := prepareItems(ctx, entities, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	return linkItems(ctx, tx, list, snapshot, items, fresh, nil)
}

// linkItems is linkEntities with the entities prepared. pre, when not
// nil, is the candidates of items' keys, already read (earlyLookup).
func linkItems(ctx context.Context, tx *sql.Tx, list string, snapshot int64, items []linkItem, fresh bool, pre *candidates) error {
	if len(items) == 0 {
		return nil
	}
	quiet := context.WithoutCancel(ctx)
	l := &linker{ctx: quiet, tx: tx, list: list, snap: snapshot, fresh: fresh,
		cands: map[int64]*candidate{}, seen: map[int64]bool{}}
	var others bool
	if err := tx.QueryRowContext(quiet, `SELECT EXISTS (SELECT 1 FROM link_facts WHERE list <> ?)`, list).Scan(&others); err != nil {
		return fmt.Errorf("link facts: %w", err)
	}
	if err := tx.QueryRowContext(quiet, `SELECT coalesce(max(id), 0) + 1 FROM link_facts`).Scan(&l.nextID); err != nil {
		return fmt.Errorf("link facts: %w", err)
	}
	n := 0
	for _, it := range items {
		n += len(it.hashes)
	}
	l.keyRows = make([]keyRow, 0, n)
	l.factRows = make([]factRow, 0, len(items))
	if !fresh {
		if err := l.loadOld(items); err != nil {
			return err
		}
	}
	// With no other list, there is nothing to compare with: the run only
	// stores facts and keys.
	switch {
	case pre != nil:
		l.byKey, l.cands = pre.byKey, pre.cands
		if pre.compared {
			l.linkRows, l.byKey = pre.links, nil
		}
	case others:
		c, err := lookupCandidates(quiet, tx, list, keyHashes(items, n))
		if err != nil {
			return err
		}
		l.byKey, l.cands = c.byKey, c.cands
	}
	// New facts rows are numbered, and so inserted, in the order of their
	// entity ids: both link_facts' rowids and its (list, entity_id) index
	// are then appended to, not inserted into at random (a first snapshot
	// of OFAC in file order took 30 ms to insert instead of 18).
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(items[a].id, items[b].id) })
	for n, i := range order {
		if n%saveCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := l.keep(&items[i]); err != nil {
			return fmt.Errorf("link %s %s: %w", list, items[i].id, err)
		}
	}
	// Comparing reads only the run's facts and the candidates, not the
	// database: it runs on another goroutine while the writer stores the
	// facts and keys, which leave a CPU idle. The links come out in the
	// order of the items, as comparing them one by one would give them.
	// (With byKey nil, the links are compared already: earlyLookup.)
	compared := make(chan error, 1)
	go func() { compared <- l.compareAll(ctx, items) }()
	werr := l.writeFactsAndKeys()
	if err := <-compared; err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	return l.writeLinks()
}

// prepareParallelAt is how many entities make preparing them worth a
// goroutine per CPU: a list's first snapshot prepares every entity, and
// normalising names is most of what linking it costs.
const prepareParallelAt = 2048

// earlyPrep prepares the entities of a list's first snapshot on another
// CPU while SaveSnapshot stores them: linking such a snapshot prepares
// every entity, and storing it leaves a CPU idle.
type earlyPrep struct {
	entities []*tracker.Entity
	done     chan struct{}
	items    []linkItem
	err      error
	look     *earlyLookup
}

// earlyLookup reads the candidates of an early preparation's keys through
// the reader pool, once it is done, and compares the items with them,
// while the writer is still storing the snapshot: reading them on the
// writer afterwards cost as much as comparing them, and comparing them
// after the snapshot's writes left only the facts' and keys' writes to
// overlap with.
//
// It is started inside the snapshot's write transaction, as earlyRelink
// is, so the reader sees what the transaction started from. Until it
// links, the transaction changes only its own list's entities and links,
// which are no candidates, unless it relinks another list whole: then
// the early candidates are not used (linkSnapshotTx).
type earlyLookup struct {
	cancel context.CancelFunc
	done   chan struct{}
	c      *candidates
	err    error
	// memory says the candidates are the relinked lists' entities
	// (earlyRelink.relinkCandidates), not read from the database: only
	// a run after that relinking may use them.
	memory bool
}

// lookUp starts reading the candidates of the early preparation, unless
// another list is stale (relink): the transaction relinks it whole, which
// changes its keys. When the stale lists are all the others (a list's
// first snapshot beside lists stored alone), the candidates are their
// entities, which relink prepares: they are compared in memory. It
// returns the function that stops the reading and waits for it: it reads
// through a pooled connection, which must not outlive the save.
func (ep *earlyPrep) lookUp(ctx context.Context, s *Store, list string, relink *earlyRelink) (stop func()) {
	if ep == nil || (relink != nil && !relink.all) {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	el := &earlyLookup{cancel: cancel, done: make(chan struct{}), memory: relink != nil}
	ep.look = el
	go func() {
		defer close(el.done)
		select {
		case <-ep.done:
		case <-ctx.Done():
			el.err = ctx.Err()
			return
		}
		if el.err = ep.err; el.err != nil {
			return
		}
		if el.memory {
			el.c, el.err = relink.relinkCandidates(ctx)
		} else {
			el.err = s.readTx(ctx, func(tx *sql.Tx) error {
				var err error
				el.c, err = lookupCandidates(ctx, tx, list, keyHashes(ep.items, 0))
				return err
			})
		}
		if el.err != nil {
			return
		}
		// Comparing reads only the items and the candidates: done here,
		// it runs while the writer still stores the snapshot, instead of
		// after it.
		l := &linker{list: list, byKey: el.c.byKey, cands: el.c.cands, seen: map[int64]bool{}}
		if el.err = l.compareAll(ctx, ep.items); el.err == nil {
			el.c.links, el.c.compared = l.linkRows, true
		}
	}()
	return func() {
		cancel()
		<-el.done
	}
}

// candidates returns the early candidates of items, or nil if there are
// none for them (then the run reads them itself). relinked says the other
// lists were just relinked whole: then only candidates found in memory
// among them serve.
func (ep *earlyPrep) candidates(ctx context.Context, items []linkItem, relinked bool) *candidates {
	if ep == nil || ep.look == nil || len(items) == 0 || ep.look.memory != relinked {
		return nil
	}
	select {
	case <-ep.look.done:
	case <-ctx.Done():
		return nil
	}
	// Without an error, the lookup saw the preparation done: its items
	// are safe to read.
	if ep.look.err != nil || len(ep.items) != len(items) || &ep.items[0] != &items[0] {
		return nil
	}
	return ep.look.c
}

// startEarlyPrep starts preparing in's entities when its list has no
// entities stored yet, so that the snapshot is most likely its first. A
// wrong guess costs CPU, never a result: the run prepares what it links
// itself unless the early preparation is of the same entities.
func (s *Store) startEarlyPrep(ctx context.Context, in NewSnapshot) *earlyPrep {
	if !linking || len(in.Entities) < prepareParallelAt {
		return nil
	}
	// Only a list's first snapshot, and only when another list is there
	// to link with (see linkSnapshotTx).
	var stored, others bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE list = ?1),
		EXISTS (SELECT 1 FROM snapshots WHERE list != ?1 AND status = 'active' AND retracted_at = '')`, in.List).Scan(&stored, &others); err != nil || stored || !others {
		return nil
	}
	ep := &earlyPrep{entities: in.Entities, done: make(chan struct{})}
	go func() {
		defer close(ep.done)
		ep.items, ep.err = prepareItems(ctx, ep.entities, 1)
	}()
	return ep
}

// wait returns the early preparation of entities, or prepares them now.
func (ep *earlyPrep) wait(ctx context.Context, entities []*tracker.Entity) ([]linkItem, error) {
	if ep == nil || len(ep.entities) != len(entities) || (len(entities) > 0 && &ep.entities[0] != &entities[0]) {
		return prepareItems(ctx, entities, runtime.GOMAXPROCS(0))
	}
	select {
	case <-ep.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return ep.items, ep.err
}

// prepareItems prepares the entities of a run (their facts and key
// hashes), on up to workers goroutines.
func prepareItems(ctx context.Context, entities []*tracker.Entity, workers int) ([]linkItem, error) {
	items := make([]linkItem, len(entities))
	// A run keeps only the facts and key hashes of its entities, in a few
	// large slices: a list's first snapshot prepares thousands, and
	// keeping them prepared, each in its own allocations, made the
	// garbage collector cost as much as preparing them.
	prep := func(from, to int) error {
		var buf []byte
		var hs []int64
		for i := from; i < to; i++ {
			if (i-from)%saveCtxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			e := entities[i]
			p := match.Prepare(e)
			// A new chunk rather than a grown one: the facts before
			// stay where they are, nothing is copied.
			if cap(buf)-len(buf) < 1024 {
				buf = make([]byte, 0, 64<<10)
			}
			if cap(hs)-len(hs) < 256 {
				hs = make([]int64, 0, 8<<10)
			}
			start := len(buf)
			buf = p.AppendFacts(buf)
			it := linkItem{id: e.ID, facts: buf[start:len(buf):len(buf)]}
			start = len(hs)
			hs = match.AppendKeyHashes(hs, p)
			it.hashes = hs[start:len(hs):len(hs)]
			items[i] = it
		}
		return nil
	}
	if workers < 2 || len(entities) < prepareParallelAt {
		return items, prep(0, len(entities))
	}
	errs := make(chan error, workers)
	per := (len(entities) + workers - 1) / workers
	for w := range workers {
		go func() { errs <- prep(min(w*per, len(entities)), min((w+1)*per, len(entities))) }()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return items, first
}

// inJSON is a JSON array of values, for json_each: one bound parameter
// instead of one per value. The queries reading it CROSS JOIN, which
// SQLite takes as the order to join in: left to choose, it scans a
// list's facts and json_each for each.
func inJSON[T any](vs []T) (string, error) {
	b, err := json.Marshal(vs)
	return string(b), err
}

// inJSONInts is inJSON for integers, without reflection.
func inJSONInts(vs []int64) string {
	b := make([]byte, 0, 2+len(vs)*21)
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, ']'))
}

// loadOld reads the facts stored for the run's entities before it.
func (l *linker) loadOld(items []linkItem) error {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	in, err := inJSON(ids)
	if err != nil {
		return err
	}
	rows, err := l.tx.QueryContext(l.ctx, `SELECT f.id, f.entity_id, f.facts FROM json_each(?) j
		CROSS JOIN link_facts f ON f.list = ? AND f.entity_id = j.value`, in, l.list)
	if err != nil {
		return fmt.Errorf("read link facts: %w", err)
	}
	defer rows.Close()
	l.old = map[string]storedFacts{}
	for rows.Next() {
		var id string
		var sf storedFacts
		if err := rows.Scan(&sf.id, &id, &sf.facts); err != nil {
			return err
		}
		l.old[id] = sf
	}
	return rows.Err()
}

// keyHashes is every key hash of items, in one slice of capacity n (a
// hint; 0 when not counted).
func keyHashes(items []linkItem, n int) []int64 {
	hashes := make([]int64, 0, n)
	for _, it := range items {
		hashes = append(hashes, it.hashes...)
	}
	return hashes
}

// candidates are the other lists' entities sharing a key with one of a
// run's.
type candidates struct {
	byKey map[int64][]int64
	cands map[int64]*candidate // by link_facts id
	// links, when compared is set, are the links of the items the
	// candidates were read for (earlyLookup compares them too).
	links    []linkRow
	compared bool
}

// lookupCandidates reads the entities of lists other than list holding
// any of the keys: which entities hold them, then the facts of each once
// (an entity holds several of a run's keys). It sorts hashes.
func lookupCandidates(ctx context.Context, q querier, list string, hashes []int64) (*candidates, error) {
	slices.SortFunc(hashes, func(a, b int64) int { return cmp.Compare(uint64(a), uint64(b)) })
	hashes = slices.Compact(hashes)
	byKey, ids, err := keyIndexLookup(ctx, q, list, hashes)
	if err != nil {
		return nil, err
	}
	c := &candidates{cands: map[int64]*candidate{}}
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.list, f.entity_id, f.facts FROM json_each(?) j
		CROSS JOIN link_facts f ON f.id = j.value WHERE f.list <> ?`, inJSONInts(ids), list)
	if err != nil {
		return nil, fmt.Errorf("read link facts: %w", err)
	}
	defer rows.Close()
	// The facts are copied into a few large chunks: as []byte, each would
	// be copied twice into an allocation of its own.
	var chunk []byte
	for rows.Next() {
		var id int64
		var facts sql.RawBytes
		cand := &candidate{}
		if err := rows.Scan(&id, &cand.ref.list, &cand.ref.id, &facts); err != nil {
			return nil, err
		}
		if cap(chunk)-len(chunk) < len(facts) {
			chunk = make([]byte, 0, max(64<<10, len(facts)))
		}
		start := len(chunk)
		chunk = append(chunk, facts...)
		cand.facts = chunk[start:len(chunk):len(chunk)]
		c.cands[id] = cand
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// An id whose facts are gone or of the run's list is no candidate.
	c.byKey = byKey
	for k, ids := range byKey {
		byKey[k] = slices.DeleteFunc(ids, func(id int64) bool { return c.cands[id] == nil })
	}
	return c, nil
}

// keep stores one entity's facts and queues its keys, replacing those of
// its previous version and its links.
func (l *linker) keep(it *linkItem) error {
	id, err := l.store(it.id, it.facts)
	if err != nil {
		return err
	}
	for _, h := range it.hashes {
		l.keyRows = append(l.keyRows, keyRow{h, id})
	}
	return nil
}

// compareAll queues the links of every item, in order.
func (l *linker) compareAll(ctx context.Context, items []linkItem) error {
	if l.byKey == nil {
		return nil
	}
	for i := range items {
		if i%saveCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := l.compare(&items[i]); err != nil {
			return fmt.Errorf("link %s %s: %w", l.list, items[i].id, err)
		}
	}
	return nil
}

// compare links an entity to the candidates that Compare finds the same.
func (l *linker) compare(it *linkItem) error {
	var err error
	clear(l.seen)
	for _, h := range it.hashes {
		for _, cid := range l.byKey[h] {
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
			if it.p == nil {
				// The run's entity, from its own facts: they compare as
				// the entity does (match.TestCompare).
				if it.p, err = match.DecodeFacts(it.facts); err != nil {
					return err
				}
			}
			v := match.Compare(it.p, c.p)
			if !v.Strong {
				continue
			}
			reason := v.Reason()
			l.linkRows = append(l.linkRows, linkRow{l.list, it.id, c.ref.list, c.ref.id, v.Score, reason},
				linkRow{c.ref.list, c.ref.id, l.list, it.id, v.Score, reason})
		}
	}
	return nil
}

// store queues an entity's facts and returns the id its keys name. An
// entity with facts from before keeps its id; its old keys and its links,
// both directions, are removed.
func (l *linker) store(entityID string, facts []byte) (int64, error) {
	if old, ok := l.old[entityID]; ok {
		if err := l.unlink(old.id, old.facts, entityID); err != nil {
			return 0, err
		}
		if _, err := l.tx.ExecContext(l.ctx, `UPDATE link_facts SET facts = ? WHERE id = ?`, facts, old.id); err != nil {
			return 0, fmt.Errorf("store link facts: %w", err)
		}
		return old.id, nil
	}
	id := l.nextID
	l.nextID++
	l.factRows = append(l.factRows, factRow{id, entityID, facts})
	return id, nil
}

// unlink removes an entity's links, both directions, and queues the
// keys of its previous facts for removal from the key index
// (writeFactsAndKeys). Its keys are those its old facts give: no index
// from entity to key is kept, since it would cost every key written.
// (Keys a former version of the code gave, and this one does not, stay:
// they only make the entity a candidate once more, which Compare
// decides.)
func (l *linker) unlink(id int64, old []byte, entityID string) error {
	if p, err := match.DecodeFacts(old); err == nil {
		for _, k := range match.Keys(p) {
			l.dropKeys = append(l.dropKeys, keyRow{match.KeyHash(k), id})
		}
	} else {
		if l.dropAll == nil {
			l.dropAll = map[int64]bool{}
		}
		l.dropAll[id] = true
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

// writeFactsAndKeys stores the queued facts, addBatch rows to a
// statement, and the keys in the list's key index.
func (l *linker) writeFactsAndKeys() error {
	if err := insertBatched(l.ctx, l.tx, `INSERT INTO link_facts (id, list, entity_id, facts) VALUES `, "", 4, len(l.factRows),
		func(args []any, i int) []any {
			r := &l.factRows[i]
			return append(args, r.id, l.list, r.entityID, r.facts)
		}); err != nil {
		return fmt.Errorf("store link facts: %w", err)
	}
	add := sortKeyRows(l.keyRows)
	if l.fresh {
		// The list's index was just cleared: nothing to read or remove.
		return writeKeyBuckets(l.ctx, l.tx, l.list, add, nil, nil)
	}
	return updateKeyIndex(l.ctx, l.tx, l.list, add, sortKeyRows(l.dropKeys), l.dropAll)
}

// writeLinks stores the queued links, addBatch rows to a statement, in
// the order of links' primary key, which SQLite appends to its b-tree
// faster than it inserts them in the order they were found (each link
// comes with its reverse, of another list). The sort is stable: a link
// found twice is stored as found last.
func (l *linker) writeLinks() error {
	slices.SortStableFunc(l.linkRows, func(a, b linkRow) int {
		return cmp.Or(strings.Compare(a.list, b.list), strings.Compare(a.entityID, b.entityID),
			strings.Compare(a.otherList, b.otherList), strings.Compare(a.otherID, b.otherID))
	})
	if err := insertBatched(l.ctx, l.tx, `INSERT INTO links (list, entity_id, other_list, other_id, score, reason, snapshot_id) VALUES `,
		` ON CONFLICT DO UPDATE SET score = excluded.score, reason = excluded.reason, snapshot_id = excluded.snapshot_id`, 7, len(l.linkRows),
		func(args []any, i int) []any {
			r := &l.linkRows[i]
			return append(args, r.list, r.entityID, r.otherList, r.otherID, r.score, r.reason, l.snap)
		}); err != nil {
		return fmt.Errorf("store links: %w", err)
	}
	return nil
}

// insertBatched runs an INSERT … VALUES over rows rows of n values each,
// addBatch rows to a statement, the rest in one last statement. row
// appends the values of row i to args: the rows stay typed until they
// are bound, a batch at a time, rather than all held as interface values.
func insertBatched(ctx context.Context, tx *sql.Tx, insert, conflict string, n, rows int, row func(args []any, i int) []any) error {
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	values := func(k int) string { return strings.TrimSuffix(strings.Repeat(ph+", ", k), ", ") }
	args := make([]any, 0, min(rows, addBatch)*n)
	i := 0
	if rows >= addBatch {
		st, err := tx.PrepareContext(ctx, insert+values(addBatch)+conflict)
		if err != nil {
			return err
		}
		defer st.Close()
		for ; rows-i >= addBatch; i += addBatch {
			args = args[:0]
			for j := i; j < i+addBatch; j++ {
				args = row(args, j)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
	}
	if i == rows {
		return nil
	}
	args = args[:0]
	for j := i; j < rows; j++ {
		args = row(args, j)
	}
	_, err := tx.ExecContext(ctx, insert+values(rows-i)+conflict, args...)
	return err
}

// AlsoListed returns the designations on other lists linked to an entity,
// the strongest first.
func (s *Store) AlsoListed(ctx context.Context, list, entityID string) ([]tracker.Listing, error) {
	return alsoListedTx(ctx, s.r, s.authority, list, entityID)
}

// NotListedBy returns the authorities (Store.Authority) of the tracked
// lists, other than list's own, with no designation among also.
func (s *Store) NotListedBy(ctx context.Context, list string, also []tracker.Listing) ([]string, error) {
	lists, err := listsWithSnapshots(ctx, s.r)
	if err != nil {
		return nil, err
	}
	return notListedBy(s.authority, list, lists, also), nil
}

func (s *Store) authority(list string) string {
	if s.Authority == nil {
		return list
	}
	return s.Authority(list)
}

// notListedBy returns, sorted, the authorities of the tracked lists that
// are not list's own and designate none of also.
func notListedBy(authority func(string) string, list string, tracked []listLatest, also []tracker.Listing) []string {
	own := authority(list)
	var out []string
	for _, l := range tracked {
		a := authority(l.name)
		if a == own || slices.Contains(out, a) ||
			slices.ContainsFunc(also, func(x tracker.Listing) bool { return authority(x.List) == a }) {
			continue
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func alsoListedTx(ctx context.Context, q querier, authority func(string) string, list, entityID string) ([]tracker.Listing, error) {
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
		out[i].Authority = authority(out[i].List)
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
