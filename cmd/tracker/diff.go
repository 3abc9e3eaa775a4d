package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

// stringsFlag collects a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func runDiff(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("diff", "--list NAME [--from SNAP|DATE] [--to SNAP|DATE] [--all-regimes] [--format text|json]", `
Show what changed between two snapshots of a list: designations added,
removed and amended field by field. By default it compares the list's two
latest snapshots and shows only the alert regimes (cyber); --all-regimes
shows every change. SNAP is a snapshot number from 'tracker snapshots';
DATE (YYYY-MM-DD) picks the list's last snapshot on or before that day.
Snapshots of different lists can be compared by number (for example the
OFSI Consolidated List and the UK Sanctions List, which share UK ids).
In JSON, an added or amended designation carries also_listed (the same
subject on the other lists, with why the tracker thinks so) and
not_listed_by (the other authorities listing it nowhere), as linked now.

Exit status: 0 no changes, 1 changes, 2 trouble.`)
	list := fs.String("list", "", "list `name` (required unless --from and --to are snapshot numbers)")
	from := fs.String("from", "", "older snapshot: `SNAP or DATE` (default: the one before --to)")
	to := fs.String("to", "", "newer snapshot: `SNAP or DATE` (default: the list's latest)")
	all := fs.Bool("all-regimes", false, "report changes under every regime, not only the alert regimes")
	var regimes stringsFlag
	fs.Var(&regimes, "regime", "report changes under this `regime` (repeatable; default: the list's cyber regimes)")
	format := formatFlag(fs)
	st, err := e.parseAndOpenToRead(ctx, fs, args, format)
	if err != nil {
		return err
	}
	defer st.Close()

	newer, err := resolveSnapshot(ctx, st, *list, *to, nil)
	if err != nil {
		return err
	}
	older, err := resolveSnapshot(ctx, st, *list, *from, newer)
	if err != nil {
		return err
	}
	found, err := st.Diff(ctx, older, newer)
	if errors.Is(err, store.ErrQuarantined) && older.Status != tracker.SnapshotQuarantined {
		return fmt.Errorf("%w; to see what it would change: tracker accept --dry-run %d", err, newer.ID)
	}
	if err != nil {
		return err
	}

	filter := diffFilter(e, *all, regimes, older, newer)
	changes := filter.Apply(found)
	if *format == "json" {
		if err := addListings(ctx, st, changes); err != nil {
			return err
		}
	}
	if err := writeDiff(e, *format, older, newer, filter, changes); err != nil {
		return err
	}
	if len(changes) > 0 {
		return exitCodeError{exitChanges}
	}
	return nil
}

// addListings gives each added or amended change its designations on the
// other lists and the authorities that list it nowhere, as linked now.
func addListings(ctx context.Context, st *store.Store, changes []tracker.Change) error {
	for i := range changes {
		c := &changes[i]
		if c.Kind == tracker.Removed {
			continue
		}
		var err error
		if c.AlsoListed, err = st.AlsoListed(ctx, c.List, c.ID); err != nil {
			return err
		}
		if c.NotListedBy, err = st.NotListedBy(ctx, c.List, c.AlsoListed); err != nil {
			return err
		}
	}
	return nil
}

// diffFilter is --all-regimes or --regime, else the alert regimes of the
// lists compared (both, when two lists are).
func diffFilter(e *env, all bool, regimes []string, older, newer *tracker.Snapshot) diff.Filter {
	filter := diff.Filter{All: all, Regimes: regimes}
	if !all && len(regimes) == 0 {
		filter = e.filterFor(older.List)
		if newer.List != older.List {
			filter.Regimes = append(filter.Regimes, e.filterFor(newer.List).Regimes...)
		}
	}
	return filter
}

// writeDiff prints the changes between two snapshots as text or JSON.
func writeDiff(e *env, format string, older, newer *tracker.Snapshot, filter diff.Filter, changes []tracker.Change) error {
	if format != "json" {
		fmt.Fprintf(e.stdout, "%s → %s (%s)\n", older.Label(), newer.Label(), regimeSummary(filter, changes))
		writeChangesText(e.stdout, changes)
		return nil
	}
	if changes == nil {
		changes = []tracker.Change{}
	}
	return writeJSON(e.stdout, struct {
		List       string           `json:"list"`
		From       tracker.Snapshot `json:"from"`
		To         tracker.Snapshot `json:"to"`
		AllRegimes bool             `json:"all_regimes"`
		Regimes    []string         `json:"regimes,omitempty"`
		Changes    []tracker.Change `json:"changes"`
	}{newer.List, *older, *newer, filter.All, filter.Regimes, changes})
}

// resolveSnapshot finds the snapshot a --from/--to value names. With an
// empty value it gives the list's latest (newer == nil) or the snapshot
// before newer.
func resolveSnapshot(ctx context.Context, st *store.Store, list, value string, newer *tracker.Snapshot) (*tracker.Snapshot, error) {
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		sn, err := st.Snapshot(ctx, n)
		if err != nil {
			return nil, err
		}
		if list != "" && sn.List != list {
			return nil, fmt.Errorf("snapshot %d is of list %s, not %s", n, sn.List, list)
		}
		return sn, nil
	}
	if list == "" && newer != nil {
		list = newer.List
	}
	if list == "" {
		return nil, errors.New("--list is required unless --from and --to are snapshot numbers")
	}
	if _, err := lists.Lookup(list); err != nil {
		return nil, err
	}
	var sn *tracker.Snapshot
	var err error
	switch {
	case value != "":
		sn, err = st.At(ctx, list, value)
	case newer == nil:
		sn, err = st.Latest(ctx, list)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("no snapshot of %s yet: run 'tracker fetch' or 'tracker import' first", list)
		}
	default:
		sn, err = st.Before(ctx, newer)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%s has only one snapshot (%s): nothing to compare it with", list, newer.Label())
		}
	}
	return sn, err
}
