package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

// printSaveResult tells what storing a publication did.
func printSaveResult(e *env, l lists.List, res *store.SaveResult) {
	sn := res.Snapshot
	switch {
	case !res.Created && res.Quarantined():
		fmt.Fprintf(e.stdout, "%s: content unchanged since quarantined snapshot %s; nothing stored. Review it: tracker accept --dry-run %d\n",
			l.Name, sn.Label(), sn.ID)
	case !res.Created:
		fmt.Fprintf(e.stdout, "%s: content unchanged since snapshot %s; nothing stored\n", l.Name, sn.Label())
	case res.Quarantined():
		fmt.Fprintf(e.stdout, "%s: QUARANTINED snapshot %s with %d entities: %s\n"+
			"  not used as the latest snapshot, no alerts but one operator notice. Review: tracker accept --dry-run %d; accept: tracker accept %d\n",
			l.Name, sn.Label(), sn.EntityCount, sn.Note, sn.ID, sn.ID)
	case res.Previous == nil:
		fmt.Fprintf(e.stdout, "%s: stored snapshot %s with %d entities: the list's first snapshot, a baseline (no alerts)\n",
			l.Name, sn.Label(), sn.EntityCount)
	default:
		f := e.filterFor(l.Name)
		alerting := f.Apply(res.Changes)
		fmt.Fprintf(e.stdout, "%s: stored snapshot %s with %d entities: %s since %s; %s\n",
			l.Name, sn.Label(), sn.EntityCount, countChanges(res.Changes), res.Previous.Label(),
			regimeSummary(f, alerting))
	}
}

func regimeSummary(f diff.Filter, changes []tracker.Change) string {
	if f.All {
		return "all regimes"
	}
	return fmt.Sprintf("%s under %s", countChanges(changes), strings.Join(f.Regimes, ", "))
}

// countChanges renders "3 changes (2 added, 1 amended)".
func countChanges(changes []tracker.Change) string {
	n := map[tracker.ChangeKind]int{}
	for _, c := range changes {
		n[c.Kind]++
	}
	var parts []string
	for _, k := range []tracker.ChangeKind{tracker.Added, tracker.Removed, tracker.Amended} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	s := plural(len(changes), "change")
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// writeChangesText prints changes for people, one block per change.
func writeChangesText(w io.Writer, changes []tracker.Change) {
	marks := map[tracker.ChangeKind]string{tracker.Added: "+", tracker.Removed: "-", tracker.Amended: "~"}
	for _, c := range changes {
		fmt.Fprintf(w, "%s %-7s %s %s", marks[c.Kind], c.Kind, c.ID, c.Name)
		if c.EntityKind != "" {
			fmt.Fprintf(w, " (%s)", c.EntityKind)
		}
		if len(c.Programs) > 0 {
			fmt.Fprintf(w, " [%s]", strings.Join(c.Programs, ", "))
		}
		fmt.Fprintln(w)
		for _, f := range c.Fields {
			switch {
			case len(f.Added) > 0 || len(f.Removed) > 0:
				for _, v := range f.Removed {
					fmt.Fprintf(w, "    %s: - %s\n", f.Field, v)
				}
				for _, v := range f.Added {
					fmt.Fprintf(w, "    %s: + %s\n", f.Field, v)
				}
			default:
				fmt.Fprintf(w, "    %s: %s → %s\n", f.Field, quoteAll(f.Before), quoteAll(f.After))
			}
		}
	}
}

func quoteAll(vs []string) string {
	if len(vs) == 0 {
		return "(none)"
	}
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
