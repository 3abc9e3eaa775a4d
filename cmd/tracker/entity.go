package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

const entityHelp = `
Show one designation's history on its own list and on the lists it is
linked to (the same person, organisation or vessel on another
authority's list: a shared identifier, or the same name and birth date or
country), as one timeline, oldest first: when each list first held it,
each amendment field by field, each removal. ID is the publisher's id
(OFAC uid, EU logicalId, UK Unique ID such as CYB0046); every list holding
that id is shown unless --list names one.`

// entityEvent is one line of the timeline.
type entityEvent struct {
	Date      string `json:"date"` // the publication's date, else the day it was fetched
	List      string `json:"list"`
	Authority string `json:"authority,omitempty"`
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	// Event: "first held" (the list's first snapshot holding it, a
	// baseline or an addition), "added", "amended", "removed".
	Event      string                `json:"event"`
	Designated string                `json:"designated,omitempty"` // the list's own designation date, on "first held"
	Fields     []tracker.FieldChange `json:"fields,omitempty"`
	Programs   []string              `json:"programs,omitempty"`
	Snapshot   int64                 `json:"snapshot"`
	// LinkedBy says why a linked list's designation is this one: the
	// link's reason; "" on the designation's own list.
	LinkedBy string `json:"linked_by,omitempty"`
}

func runEntity(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("entity", "[--list NAME] [--format text|json] ID", entityHelp)
	list := fs.String("list", "", "the designation's list `name` (default: every list holding ID)")
	format := formatFlag(fs)
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*format != "text" && *format != "json") {
		fs.Usage()
		return errUsage
	}
	id := fs.Arg(0)
	st, err := e.openStoreToRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	own := []string{*list}
	if *list == "" {
		if own, err = st.ListsHolding(ctx, id); err != nil {
			return err
		}
		if len(own) == 0 {
			return fmt.Errorf("no list holds a designation with id %q", id)
		}
	}
	events, err := entityTimeline(ctx, st, own, id)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, events)
	}
	writeTimeline(e, events)
	return nil
}

// entityTimeline gathers the events of the designation on its own lists
// and of every designation linked to it, oldest first.
func entityTimeline(ctx context.Context, st *store.Store, own []string, id string) ([]entityEvent, error) {
	var events []entityEvent
	seen := map[[2]string]bool{}
	add := func(list, eid, linkedBy string) error {
		if seen[[2]string{list, eid}] {
			return nil
		}
		seen[[2]string{list, eid}] = true
		evs, err := designationEvents(ctx, st, list, eid, linkedBy)
		events = append(events, evs...)
		return err
	}
	for _, l := range own {
		if err := add(l, id, ""); err != nil {
			return nil, err
		}
		linked, err := st.AlsoListed(ctx, l, id)
		if err != nil {
			return nil, err
		}
		for _, other := range linked {
			if err := add(other.List, other.ID, other.Reason); err != nil {
				return nil, err
			}
		}
	}
	slices.SortStableFunc(events, func(a, b entityEvent) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), strings.Compare(a.List, b.List), cmp.Compare(a.Snapshot, b.Snapshot))
	})
	return events, nil
}

// designationEvents is one designation's events on its list: the first
// snapshot that held it, then every stored change.
func designationEvents(ctx context.Context, st *store.Store, list, id, linkedBy string) ([]entityEvent, error) {
	authority := lists.AuthorityOf(list)
	ev := func(sn tracker.Snapshot, event string) entityEvent {
		return entityEvent{Date: snapshotDay(sn), List: list, Authority: authority, ID: id, Event: event, Snapshot: sn.ID, LinkedBy: linkedBy}
	}
	var out []entityEvent
	versions, err := st.EntityVersions(ctx, list, id)
	if err != nil {
		return nil, err
	}
	hist, err := st.EntityHistory(ctx, list, id)
	if err != nil {
		return nil, err
	}
	// The first version held by a snapshot still standing: when the list
	// first held it, unless a change (an addition) says so already.
	i := slices.IndexFunc(versions, func(v store.EntityVersion) bool { return v.From.Status != tracker.SnapshotRetracted })
	if i >= 0 && (len(hist) == 0 || hist[0].Snapshot.ID != versions[i].From.ID) {
		first, ent := versions[i].From, versions[i].Entity
		x := ev(first, "first held")
		x.Name, x.Programs, x.Designated = ent.Name, ent.Programs, ent.Designated
		// Held since a baseline: the list's own designation date says
		// more than the day the tracker first read the list.
		if ent.Designated != "" && ent.Designated < x.Date {
			x.Date = ent.Designated
		}
		out = append(out, x)
	}
	for _, h := range hist {
		x := ev(h.Snapshot, string(h.Change.Kind))
		x.Name, x.Fields, x.Programs = h.Change.Name, h.Change.Fields, h.Change.Programs
		out = append(out, x)
	}
	return out, nil
}

// snapshotDay is the publication's date, else the day it was fetched.
func snapshotDay(sn tracker.Snapshot) string {
	if sn.PublishedAt != "" {
		return sn.PublishedAt[:min(len(sn.PublishedAt), 10)]
	}
	return sn.FetchedAt.UTC().Format("2006-01-02")
}

func writeTimeline(e *env, events []entityEvent) {
	for _, ev := range events {
		who := cmp.Or(ev.Authority, ev.List)
		line := fmt.Sprintf("%s  %-3s %s %s  %s", ev.Date, who, ev.List, ev.ID, ev.Event)
		if ev.Name != "" {
			line += "  " + ev.Name
		}
		if len(ev.Programs) > 0 && ev.Event != string(tracker.Amended) {
			line += " (" + strings.Join(ev.Programs, ", ") + ")"
		}
		if ev.Designated != "" {
			line += " designated " + ev.Designated
		}
		line += fmt.Sprintf("  [snapshot #%d]", ev.Snapshot)
		if ev.LinkedBy != "" {
			line += "  — linked: " + ev.LinkedBy
		}
		fmt.Fprintln(e.stdout, line)
		for _, fc := range ev.Fields {
			fmt.Fprintf(e.stdout, "      %s: %s → %s\n", fc.Field, strings.Join(fc.Before, "; "), strings.Join(fc.After, "; "))
		}
	}
}
