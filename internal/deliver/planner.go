// Package deliver connects stored changes to the notifiers through the
// outbox (the deliveries table).
//
// The Planner runs inside a new snapshot's transaction (ingest's
// AfterSave): it turns the snapshot's changes into deliveries, one per
// notifier and target channel, so the snapshot and its alerts commit
// together or not at all. The Dispatcher later sends what is due. A
// delivery is marked sent only after the notifier accepted it, and a
// multi-part alert records every accepted part at once, so a delivery that
// failed, or a process that died, resumes at the first part not accepted
// and never sends an accepted part again.
//
// One window can still duplicate a message: the process is killed after
// Slack accepted a message and before the database recorded it. Slack's
// chat.postMessage has no idempotency key, so nothing on our side can tell
// "accepted, not recorded" from "never arrived"; the next run sends that one
// part again. The window is one HTTP response plus one SQLite commit wide.
// Everything else — Slack down for days, 429s, a crash between parts, two
// tracker processes on one database — sends every alert exactly once, or
// expires it after notify.max_age without sending it.
package deliver

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

// Planner decides which alerts a new snapshot causes.
type Planner struct {
	Store *store.Store
	// Notifiers are the names of the notifiers configured when a snapshot
	// is stored. Deliveries exist only for them, so a notifier configured
	// later never replays history.
	Notifiers []string
	// Filter is a list's alert regime filter. Nil: every change alerts.
	Filter func(list string) diff.Filter
	// Kinds are the change kinds announced. Empty: all of them.
	Kinds []tracker.ChangeKind
	// Channel is where an alert about a list's designation under regimes
	// goes ("" the notifier's own). Nil: always "".
	Channel func(list string, regimes []string) string
	// OperatorChannel receives operator notices.
	OperatorChannel string
	// WebBase is the web view's address (web.base_url): alerts link each
	// designation and the snapshot's changes to its pages. "": no links.
	WebBase string
	// Publisher names a list's publisher in alerts. Nil: none.
	Publisher func(list string) string
	// Screening, if set, screens each new snapshot's changes against the
	// team's counterparties and queues the hits with its alerts.
	Screening *Screening
	Log       *slog.Logger
}

// AfterSave enqueues the deliveries of a new snapshot inside its
// transaction; it fits ingest.Ingester.AfterSave.
func (p *Planner) AfterSave(ctx context.Context, tx *sql.Tx, res *store.SaveResult) error {
	ds, err := p.Plan(res)
	if err != nil {
		return err
	}
	if err := p.Store.EnqueueTx(ctx, tx, ds); err != nil {
		return err
	}
	if err := p.screenTx(ctx, tx, res); err != nil {
		return err
	}
	if p.Log != nil && res.Created && res.Previous != nil {
		p.Log.Info("alerts planned", "list", res.Snapshot.List, "snapshot", res.Snapshot.ID, "deliveries", len(ds))
	}
	return nil
}

// Plan returns the deliveries a stored snapshot causes: none for a list's
// first snapshot (a silent baseline) or when no change passes the list's
// regime filter and the announced kinds; else, per notifier, one delivery
// per target channel holding that channel's changes in the diff's order.
//
// Format drift the list never showed before adds one operator notice per
// drift, whatever the snapshot (first, quarantined or not): the format
// changed, whether or not the content did.
func (p *Planner) Plan(res *store.SaveResult) ([]store.Delivery, error) {
	if res == nil || !res.Created {
		return nil, nil
	}
	p.logDrift(res)
	if len(p.Notifiers) == 0 {
		return nil, nil
	}
	ds, err := p.planChanges(res)
	if err != nil {
		return nil, err
	}
	drift, err := p.driftNotices(res)
	if err != nil {
		return nil, err
	}
	return append(ds, drift...), nil
}

// planChanges returns the deliveries of a stored snapshot's changes, or
// its quarantine notice.
func (p *Planner) planChanges(res *store.SaveResult) ([]store.Delivery, error) {
	sn := res.Snapshot
	if res.Quarantined() {
		return p.quarantineNotice(sn)
	}
	if res.Previous == nil {
		return nil, nil
	}
	changes := res.Changes
	if p.Filter != nil {
		changes = p.Filter(sn.List).Apply(changes)
	}
	var channels []string
	byChannel := map[string][]tracker.Change{}
	for _, c := range changes {
		if len(p.Kinds) > 0 && !slices.Contains(p.Kinds, c.Kind) {
			continue
		}
		ch := ""
		if p.Channel != nil {
			ch = p.Channel(sn.List, c.Programs)
		}
		if _, ok := byChannel[ch]; !ok {
			channels = append(channels, ch)
		}
		byChannel[ch] = append(byChannel[ch], c)
	}
	// A list without a date of its own is announced with the fetch time,
	// said to be one: never passed off as a publication date.
	var fetched string
	if sn.PublishedAt == "" {
		fetched = sn.FetchedAt.UTC().Format(time.RFC3339)
	}
	var out []store.Delivery
	for _, n := range p.Notifiers {
		for _, ch := range channels {
			a := notify.Alert{List: sn.List, Publisher: p.publisher(sn.List), SnapshotID: sn.ID,
				PublishedAt: sn.PublishedAt, FetchedAt: fetched, Channel: ch, Changes: byChannel[ch], WebBase: p.WebBase}
			payload, err := json.Marshal(a)
			if err != nil {
				return nil, fmt.Errorf("encode alert of %s: %w", sn.Label(), err)
			}
			out = append(out, store.Delivery{SnapshotID: sn.ID, List: sn.List, Notifier: n, Channel: ch, Payload: payload})
		}
	}
	return out, nil
}

// Notice returns the deliveries of an operator notice about a list (it
// keeps failing, it works again), one per notifier, to the operator
// channel.
func (p *Planner) Notice(list, text string) ([]store.Delivery, error) {
	var out []store.Delivery
	for _, n := range p.Notifiers {
		a := notify.Alert{List: list, Publisher: p.publisher(list), Channel: p.OperatorChannel, Operator: text}
		payload, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode notice about %s: %w", list, err)
		}
		out = append(out, store.Delivery{List: list, Notifier: n, Channel: p.OperatorChannel, Payload: payload})
	}
	return out, nil
}

// quarantineNotice tells operators, once, why a publication was kept out
// of the list's history and how to review and accept it.
func (p *Planner) quarantineNotice(sn tracker.Snapshot) ([]store.Delivery, error) {
	published := sn.PublishedAt
	if published == "" {
		published = sn.FetchedAt.UTC().Format(time.RFC3339)
	}
	text := fmt.Sprintf("the publication of %s was quarantined as snapshot #%d and not announced: %s "+
		"Review what it would change with `tracker accept --dry-run %d`; if it is right, `tracker accept %d`.",
		published, sn.ID, sn.Note, sn.ID, sn.ID)
	ds, err := p.Notice(sn.List, text)
	for i := range ds {
		ds[i].SnapshotID = sn.ID
	}
	return ds, err
}

// driftNotices tells operators of each format drift the list shows for the
// first time: the publication was stored, what the tracker did with the
// unknown part, and what to check.
func (p *Planner) driftNotices(res *store.SaveResult) ([]store.Delivery, error) {
	sn := res.Snapshot
	var out []store.Delivery
	for _, d := range res.NewDrift {
		ds, err := p.Notice(sn.List, DriftText(sn, d))
		if err != nil {
			return nil, err
		}
		for i := range ds {
			ds[i].SnapshotID = sn.ID
		}
		out = append(out, ds...)
	}
	return out, nil
}

func (p *Planner) logDrift(res *store.SaveResult) {
	if p.Log == nil {
		return
	}
	for _, d := range res.NewDrift {
		p.Log.Warn("format drift: the publisher changed its format; operators notified once",
			"list", res.Snapshot.List, "snapshot", res.Snapshot.ID, "kind", d.Kind, "name", d.Name,
			"file", d.File, "pos", d.Pos, "example", d.Example)
	}
}

// DriftText is the operator notice of one format drift. Names and values
// are the publisher's text, quoted; the notifiers escape them for their
// medium.
func DriftText(sn tracker.Snapshot, d tracker.Drift) string {
	where := fmt.Sprintf("snapshot #%d", sn.ID)
	if loc := strings.TrimSpace(d.File + " " + d.Pos); loc != "" {
		where = loc + ", " + where
	}
	var what, did string
	switch d.Kind {
	case tracker.DriftValue:
		field, value, _ := strings.Cut(d.Name, "=")
		what = fmt.Sprintf("a %s the tracker does not know: %q", field, value)
		if d.Example != "" && d.Example != value {
			what += fmt.Sprintf(" (on %q)", d.Example)
		}
		did = "it is kept verbatim on the entities, never folded into a known one; " +
			"if it is a regime that should alert (cyber), add it to `regimes` in the config"
	default:
		what = fmt.Sprintf("a new %s %q", d.Kind, d.Name)
		did = "the tracker does not read it yet; the rest of the publication was read as before"
	}
	if sn.Status == tracker.SnapshotQuarantined {
		did += " (the snapshot itself was quarantined, see the separate notice)"
	}
	return fmt.Sprintf("format drift: the publisher's file has %s (first seen in %s). The publication was stored; %s. "+
		"You are told once; later publications with it stay silent.", what, where, did)
}

func (p *Planner) publisher(list string) string {
	if p.Publisher == nil {
		return ""
	}
	return p.Publisher(list)
}
