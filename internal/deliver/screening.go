package deliver

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/screen"
	"github.com/cybersanctions/tracker/internal/store"
)

// Screening matches the designations a stored snapshot adds, amends or
// removes against the team's counterparties (issue 18). The Planner runs
// it in the snapshot's transaction, so a hit's record and its alert commit
// with the snapshot, and a pair already raised is never raised again.
//
// The counterparty file is read once and kept prepared; it is read again
// when its size or modification time changes, and the prepared parties
// are rebuilt only when its sha256 did. A file that cannot be read keeps
// the last version read in use.
type Screening struct {
	// Path is the counterparty file (screening.file).
	Path string
	// Threshold is the lowest score raised; 0: screen.DefaultThreshold.
	Threshold float64
	// Regimes restricts screening to designations under these regimes;
	// empty: every regime.
	Regimes []string
	// Lists restricts screening to these lists; empty: every list.
	Lists []string
	// Channel is where hits go ("" the notifier's own).
	Channel string
	// Mention is put before every hit (screening.mention, checked by
	// config).
	Mention string
	Log     *slog.Logger

	mu      sync.Mutex
	cur     *screenerState // nil until the file was read once
	failing bool           // the file could not be read when last needed: operators were told
}

// screenerState is one version of the counterparty file, prepared.
type screenerState struct {
	scr     *screen.Screener
	parties map[string]*screen.Party // by ref
	modTime time.Time
	size    int64
	sha     string
}

func (sc *Screening) log() *slog.Logger {
	if sc.Log != nil {
		return sc.Log
	}
	return slog.New(slog.DiscardHandler)
}

// changes returns the changes of a list that are screened: under the
// screened regimes (as diff.Filter sees a regime gained or lost), on a
// screened list.
func (sc *Screening) changes(list string, changes []tracker.Change) []tracker.Change {
	if len(sc.Lists) > 0 && !slices.Contains(sc.Lists, list) {
		return nil
	}
	return diff.Filter{Regimes: sc.Regimes, All: len(sc.Regimes) == 0}.Apply(changes)
}

// current returns the prepared counterparty file, reading it first if it
// changed, and the operator notices that reading it gave rise to. It
// returns nil when the file was never read.
func (sc *Screening) current(ctx context.Context) (*screenerState, []string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	fi, err := os.Stat(sc.Path)
	if err != nil {
		return sc.cur, sc.unreadable(fmt.Errorf("counterparty file: %w", err))
	}
	if sc.cur != nil && fi.ModTime().Equal(sc.cur.modTime) && fi.Size() == sc.cur.size {
		return sc.cur, nil
	}
	f, err := screen.Load(ctx, sc.Path)
	if ctx.Err() != nil {
		// The snapshot's transaction is ending with ctx: not the file's
		// fault, and nothing to tell.
		return sc.cur, nil
	}
	if err != nil {
		return sc.cur, sc.unreadable(err)
	}
	var notices []string
	if sc.failing {
		sc.failing = false
		notices = append(notices, fmt.Sprintf("screening: the counterparty file %s can be read again.", sc.Path))
		sc.log().Info("counterparty file readable again", "file", sc.Path)
	}
	if sc.cur != nil && f.SHA256 == sc.cur.sha {
		sc.cur.modTime, sc.cur.size = fi.ModTime(), fi.Size()
		return sc.cur, notices
	}
	// Bad rows are logged, not noticed: every CLI run reads the file
	// anew and would tell operators again; `tracker config check` lists
	// them.
	sc.cur = sc.prepare(f, fi)
	return sc.cur, notices
}

// Warm reads and indexes the counterparty file ahead of the first
// snapshot, which would otherwise do it inside its write transaction (a
// 100k-row file takes about a second). A file that cannot be read is left
// for that snapshot to report, so the operator notice is not lost.
func (sc *Screening) Warm(ctx context.Context) error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.cur != nil {
		return nil
	}
	fi, err := os.Stat(sc.Path)
	if err != nil {
		return fmt.Errorf("counterparty file: %w", err)
	}
	f, err := screen.Load(ctx, sc.Path)
	if err != nil {
		return err
	}
	sc.cur = sc.prepare(f, fi)
	return nil
}

// maxLoggedProblems bounds the log lines of one file version's bad rows.
const maxLoggedProblems = 50

// prepare indexes a counterparty file's parties and logs its bad rows.
func (sc *Screening) prepare(f *screen.File, fi os.FileInfo) *screenerState {
	st := &screenerState{
		scr:     screen.New(f.Parties, screen.Options{Threshold: sc.Threshold}),
		parties: make(map[string]*screen.Party, len(f.Parties)),
		modTime: fi.ModTime(), size: fi.Size(), sha: f.SHA256,
	}
	for i := range f.Parties {
		st.parties[f.Parties[i].Ref] = &f.Parties[i]
	}
	log := sc.log()
	for i, p := range f.Problems {
		if i == maxLoggedProblems {
			log.Warn("counterparty rows skipped: more not logged", "file", f.Path, "more", len(f.Problems)-i)
			break
		}
		log.Warn("counterparty row skipped", "problem", p.Error())
	}
	log.Info("counterparty file read", "file", f.Path, "counterparties", len(f.Parties), "skipped", len(f.Problems), "sha256", f.SHA256)
	return st
}

// unreadable logs a file that cannot be read and words the operator
// notice, once until it can be read again.
func (sc *Screening) unreadable(err error) []string {
	if sc.cur == nil {
		sc.log().Error("counterparty file unreadable: designations are not screened", "file", sc.Path, "err", err)
	} else {
		sc.log().Error("counterparty file unreadable: screening with the version read before", "file", sc.Path,
			"err", err, "sha256", sc.cur.sha)
	}
	if sc.failing {
		return nil
	}
	sc.failing = true
	if sc.cur == nil {
		return []string{fmt.Sprintf("screening: %v. No designation is screened until the file can be read; "+
			"then screen what was stored meanwhile with `tracker screen`.", err)}
	}
	return []string{fmt.Sprintf("screening: %v. Screening goes on with the version of the file read before "+
		"(%d counterparties, sha256 %.12s…) until it can be read again.", err, len(sc.cur.parties), sc.cur.sha)}
}

// raise is one screening alert to send, and its record.
type raise struct {
	hit notify.ScreeningHit
	rec store.ScreeningHit
}

// raisesFor decides what one screened change raises, given the hits
// recorded for its designation: a pair never raised (or listed again after
// a removal) is a new possible match; a pair raised about another version
// of the designation is an amendment, still matching or not; a removal of
// a raised designation is an update too. A panic in the matcher is an
// error here, never a lost snapshot.
func (sc *Screening) raisesFor(st *screenerState, sn tracker.Snapshot, ch *tracker.Change, prior []store.ScreeningHit) (out []raise, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("screening %s %s: panic: %v", sn.List, ch.ID, r)
		}
	}()
	e := ch.Entity
	if e == nil {
		e = &tracker.Entity{ID: ch.ID, Name: ch.Name, Kind: ch.EntityKind, Programs: ch.Programs}
	}
	body, err := e.Encode()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	version := hex.EncodeToString(sum[:])
	if ch.Kind == tracker.Removed {
		for _, pr := range prior {
			if p := st.parties[pr.PartyRef]; p != nil && pr.Raised != store.RaisedRemoved {
				out = append(out, sc.update(sn, ch, p, pr, pr.Version, notify.UpdateRemoved))
			}
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, h := range st.scr.Screen(sn.List, e) {
		seen[h.Party.Ref] = true
		i := slices.IndexFunc(prior, func(pr store.ScreeningHit) bool { return pr.PartyRef == h.Party.Ref })
		switch {
		case i < 0 || prior[i].Raised == store.RaisedRemoved:
			out = append(out, sc.hit(sn, ch, h, version, ""))
		case prior[i].Version != version:
			out = append(out, sc.hit(sn, ch, h, version, notify.UpdateAmended))
		}
	}
	for _, pr := range prior {
		p := st.parties[pr.PartyRef]
		if p != nil && !seen[pr.PartyRef] && pr.Raised != store.RaisedRemoved && pr.Version != version {
			out = append(out, sc.update(sn, ch, p, pr, version, notify.UpdateAmended))
		}
	}
	return out, nil
}

// hit is a raise of a match found now: new, or an amendment that still
// matches.
func (sc *Screening) hit(sn tracker.Snapshot, ch *tracker.Change, h screen.Hit, version, update string) raise {
	raised := store.RaisedHit
	if update != "" {
		raised = store.RaisedAmended
	}
	return raise{
		hit: notify.ScreeningHit{
			Update: update, Party: counterparty(h.Party), ID: h.ID, Name: h.Name, MatchedName: h.MatchedName,
			Kind: h.Kind, Programs: h.Programs, Score: h.Score, Matched: h.Matched, Conflicts: h.Conflicts, Mention: sc.Mention,
		},
		rec: store.ScreeningHit{List: sn.List, DesignationID: ch.ID, PartyRef: h.Party.Ref, SnapshotID: sn.ID,
			Score: h.Score, Matched: h.Matched, Version: version, Raised: raised},
	}
}

// update is a raise about a pair raised before that no longer matches:
// removed, or amended out of the threshold. It repeats what was raised.
func (sc *Screening) update(sn tracker.Snapshot, ch *tracker.Change, p *screen.Party, pr store.ScreeningHit, version, update string) raise {
	raised := store.RaisedAmended
	if update == notify.UpdateRemoved {
		raised = store.RaisedRemoved
	}
	return raise{
		hit: notify.ScreeningHit{
			Update: update, NoLongerMatches: update == notify.UpdateAmended, Party: counterparty(p), ID: ch.ID, Name: ch.Name,
			Kind: ch.EntityKind, Programs: ch.Programs, Score: pr.Score, Matched: pr.Matched, Mention: sc.Mention,
		},
		rec: store.ScreeningHit{List: sn.List, DesignationID: ch.ID, PartyRef: pr.PartyRef, SnapshotID: sn.ID,
			Score: pr.Score, Matched: pr.Matched, Version: version, Raised: raised},
	}
}

func counterparty(p *screen.Party) notify.Counterparty {
	c := notify.Counterparty{Ref: p.Ref, Name: p.Name}
	for _, f := range p.Extra {
		c.Extra = append(c.Extra, f.Name+": "+f.Value)
	}
	return c
}

// screenTx screens a new snapshot's changes inside its transaction and
// queues what they raise, with any operator notice about the counterparty
// file. A list's first snapshot is a silent baseline and a quarantined one
// is not announced: neither is screened. A failure of screening is rolled
// back to before it and told to operators; only a failure to queue that
// notice fails the snapshot, as any failure to queue its alerts would.
func (p *Planner) screenTx(ctx context.Context, tx *sql.Tx, res *store.SaveResult) error {
	sc := p.Screening
	if sc == nil || len(p.Notifiers) == 0 || res == nil || !res.Created || res.Quarantined() || res.Previous == nil {
		return nil
	}
	sn := res.Snapshot
	changes := sc.changes(sn.List, res.Changes)
	if len(changes) == 0 {
		return nil
	}
	st, notices := sc.current(ctx)
	if st != nil {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT screening`); err != nil {
			return err
		}
		n, err := p.raiseTx(ctx, tx, sn, st, changes)
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO screening`); rerr != nil {
				return rerr
			}
			sc.log().Error("screening failed: the snapshot and its alerts are stored, its designations not screened",
				"list", sn.List, "snapshot", sn.ID, "err", err)
			notices = append(notices, fmt.Sprintf("screening snapshot #%d failed: %v. The snapshot and its other alerts are stored; "+
				"its designations were not screened: screen them with `tracker screen`.", sn.ID, err))
		} else if n > 0 {
			sc.log().Info("screening hits raised", "list", sn.List, "snapshot", sn.ID, "hits", n)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE screening`); err != nil {
			return err
		}
	}
	for _, text := range notices {
		ds, err := p.Notice(sn.List, text)
		if err != nil {
			return err
		}
		if err := p.Store.EnqueueTx(ctx, tx, ds); err != nil {
			return err
		}
	}
	return nil
}

// raiseTx screens the changes, records what they raise and queues its
// alerts; it returns how many pairs it raised.
func (p *Planner) raiseTx(ctx context.Context, tx *sql.Tx, sn tracker.Snapshot, st *screenerState, changes []tracker.Change) (int, error) {
	ids := make([]string, len(changes))
	for i, ch := range changes {
		ids[i] = ch.ID
	}
	prior, err := p.Store.ScreeningHitsTx(ctx, tx, sn.List, ids)
	if err != nil {
		return 0, err
	}
	var raises []raise
	for i := range changes {
		rs, err := p.Screening.raisesFor(st, sn, &changes[i], prior[changes[i].ID])
		if err != nil {
			return 0, err
		}
		raises = append(raises, rs...)
	}
	var fetched string
	if sn.PublishedAt == "" {
		fetched = sn.FetchedAt.UTC().Format(time.RFC3339)
	}
	var ds []store.Delivery
	for i := range raises {
		r := &raises[i]
		if err := p.Store.RecordScreeningHitTx(ctx, tx, r.rec); err != nil {
			return 0, err
		}
		for _, n := range p.Notifiers {
			a := notify.Alert{List: sn.List, Publisher: p.publisher(sn.List), SnapshotID: sn.ID, PublishedAt: sn.PublishedAt,
				FetchedAt: fetched, Channel: p.Screening.Channel, WebBase: p.WebBase, Screening: &r.hit}
			payload, err := json.Marshal(a)
			if err != nil {
				return 0, fmt.Errorf("encode screening hit of %s %s: %w", sn.List, r.rec.DesignationID, err)
			}
			// Not tied to the snapshot in the outbox, whose deliveries_snapshot
			// index allows one delivery per snapshot, notifier and channel:
			// the change alert, and each hit, may share a channel. What keeps
			// a hit from being raised twice is its screening_hits row,
			// written in this transaction. The alert still names the
			// snapshot.
			ds = append(ds, store.Delivery{List: sn.List, Notifier: n, Channel: p.Screening.Channel, Payload: payload})
		}
	}
	return len(raises), p.Store.EnqueueTx(ctx, tx, ds)
}
