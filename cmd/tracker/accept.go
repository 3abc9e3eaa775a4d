package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/lists"
)

func runAccept(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("accept", "[--dry-run] [--all-regimes] [--no-notify] SNAPSHOT", `
Promote a quarantined snapshot after a person checked it. A publication
that breaks its list's guards (too few entities, too many removed at once)
is stored quarantined: not the latest, never announced. accept reads its
raw files back (sha256 checked), parses them again, and stores them as the
list's latest snapshot, with the alerts that implies. Only a list's newest
quarantined snapshot, newer than every active one, can be accepted.

--dry-run shows what accepting would change, and stores nothing.`)
	dryRun := fs.Bool("dry-run", false, "show the changes accepting would store and announce; store nothing")
	all := fs.Bool("all-regimes", false, "with --dry-run: show changes under every regime, not only the alert regimes")
	noNotify := fs.Bool("no-notify", false, "queue the alerts but do not send them now")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := snapshotArg(fs.Arg(0))
	if err != nil {
		return err
	}
	p, err := e.openPipeline(ctx, pipelineOptions{silent: *dryRun})
	if err != nil {
		return err
	}
	defer p.Close()

	if *dryRun {
		r, err := p.ingester.Review(ctx, id)
		if err != nil {
			return err
		}
		q := r.Quarantined
		fmt.Fprintf(e.stdout, "snapshot %s is quarantined: %s\n", q.Label(), q.Note)
		if r.Latest == nil {
			fmt.Fprintf(e.stdout, "accepting it would store the list's first snapshot, a baseline (no alerts)\n")
			return nil
		}
		filter := e.filterFor(q.List)
		if *all {
			filter = diff.Filter{All: true}
		}
		changes := filter.Apply(r.Changes)
		fmt.Fprintf(e.stdout, "accepting it would store %s since %s; %s:\n",
			countChanges(r.Changes), r.Latest.Label(), regimeSummary(filter, changes))
		writeChangesText(e.stdout, changes)
		return nil
	}

	res, err := p.ingester.Accept(ctx, id)
	if err != nil {
		return err
	}
	l, err := lists.Lookup(res.Snapshot.List)
	if err != nil {
		return err
	}
	if res.Created {
		fmt.Fprintf(e.stdout, "accepted quarantined snapshot %d as snapshot %d\n", id, res.Snapshot.ID)
	}
	printSaveResult(e, l, res)
	if *noNotify {
		return nil
	}
	return e.dispatch(ctx, "accept", p)
}

// snapshotArg reads a SNAPSHOT argument: a number from 'tracker snapshots'.
func snapshotArg(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("snapshot %q: want a snapshot number from 'tracker snapshots'", s)
	}
	return id, nil
}
