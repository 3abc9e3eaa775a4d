// Package diff computes what changed between two snapshots of a list. It is
// pure: entities in, changes out, no I/O.
package diff

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
)

// Compare returns every change from old to new, sorted by entity id
// (numerically where both ids are numbers). Both slices hold canonicalized
// entities with unique ids, as parsers and the store produce them.
func Compare(list string, old, new []*tracker.Entity) []tracker.Change {
	// One map, from id to position in old; kept marks the old entities the
	// new snapshot still has, so that removals need no second map. Hashing
	// the ids is most of the cost of comparing two full lists.
	before := make(map[string]int, len(old))
	for i, e := range old {
		before[e.ID] = i
	}
	kept := make([]bool, len(old))
	var changes []tracker.Change
	for _, n := range new {
		i, ok := before[n.ID]
		if !ok {
			changes = append(changes, change(tracker.Added, list, n, nil))
			continue
		}
		kept[i] = true
		o := old[i]
		if o.Equal(n) {
			continue
		}
		if fields := Fields(o, n); len(fields) > 0 {
			changes = append(changes, change(tracker.Amended, list, n, fields))
		}
	}
	for i, o := range old {
		if !kept[i] {
			changes = append(changes, change(tracker.Removed, list, o, nil))
		}
	}
	SortChanges(changes)
	return changes
}

func change(kind tracker.ChangeKind, list string, e *tracker.Entity, fields []tracker.FieldChange) tracker.Change {
	return tracker.Change{
		Kind:       kind,
		List:       list,
		ID:         e.ID,
		Name:       e.Name,
		EntityKind: e.Kind,
		Programs:   e.Programs,
		Fields:     fields,
		Entity:     e,
	}
}

// SortChanges orders changes by entity id, numerically where both ids are
// numbers, so output is stable and reads in the publisher's order.
func SortChanges(changes []tracker.Change) {
	sort.SliceStable(changes, func(i, j int) bool { return lessID(changes[i].ID, changes[j].ID) })
}

func lessID(a, b string) bool {
	na, errA := strconv.ParseUint(a, 10, 64)
	nb, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return na < nb
	case errA == nil:
		return true // numbers before other ids
	case errB == nil:
		return false
	}
	return a < b
}

// Fields returns the field-level differences between two versions of an
// entity, nil when they are the same.
func Fields(old, new *tracker.Entity) []tracker.FieldChange {
	var out []tracker.FieldChange
	add := func(field string, before, after []string) {
		if slices.Equal(before, after) {
			return
		}
		fc := tracker.FieldChange{Field: field, Before: before, After: after}
		if len(before) > 1 || len(after) > 1 {
			fc.Added, fc.Removed = setDiff(after, before), setDiff(before, after)
		}
		out = append(out, fc)
	}
	add("name", scalar(old.Name), scalar(new.Name))
	add("kind", scalar(string(old.Kind)), scalar(string(new.Kind)))
	add("programs", old.Programs, new.Programs)
	add("aliases", render(old.Aliases), render(new.Aliases))
	add("designated", scalar(old.Designated), scalar(new.Designated))
	add("birth_dates", old.BirthDates, new.BirthDates)
	add("birth_places", old.BirthPlaces, new.BirthPlaces)
	add("nationalities", old.Nationalities, new.Nationalities)
	add("positions", old.Positions, new.Positions)
	add("addresses", render(old.Addresses), render(new.Addresses))
	add("identifiers", render(old.Identifiers), render(new.Identifiers))
	add("notices", render(old.Notices), render(new.Notices))
	if !sameUpToCut(old, new) {
		add("remarks", scalar(old.Remarks), scalar(new.Remarks))
	}
	for _, k := range attrKeys(old.Attrs, new.Attrs) {
		if k == tracker.AttrRemarksCut {
			continue // how the text was read, not what was published
		}
		add("attrs."+k, scalar(old.Attrs[k]), scalar(new.Attrs[k]))
	}
	return out
}

func scalar(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func render[T interface{ String() string }](items []T) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.String()
	}
	return out
}

// setDiff returns the elements of a not in b, keeping a's order.
func setDiff(a, b []string) []string {
	in := make(map[string]struct{}, len(b))
	for _, s := range b {
		in[s] = struct{}{}
	}
	var out []string
	for _, s := range a {
		if _, ok := in[s]; !ok {
			out = append(out, s)
		}
	}
	return out
}

func attrKeys(a, b map[string]string) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// sameUpToCut reports whether two remarks agree as far as a publisher's
// cut lets them be compared (tracker.AttrRemarksCut): a cut remark's last
// item is a fragment, which the whole text may hold complete or, read,
// as a typed field; the items before it must begin the other remark. A
// remark that differs only by where the cut fell, or by what a cut hid,
// is not an amendment.
func sameUpToCut(old, new *tracker.Entity) bool {
	if old.Attrs[tracker.AttrRemarksCut] == "" && new.Attrs[tracker.AttrRemarksCut] == "" {
		return false
	}
	a, b := uncut(old), uncut(new)
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a)
}

// uncut is a remark without the fragment a publisher's cut left at its
// end, or the remark itself when it was not cut.
func uncut(e *tracker.Entity) string {
	if e.Attrs[tracker.AttrRemarksCut] == "" {
		return e.Remarks
	}
	if i := strings.LastIndex(e.Remarks, "; "); i >= 0 {
		return e.Remarks[:i]
	}
	return ""
}
