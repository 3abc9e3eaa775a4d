package main

import (
	"context"
	"fmt"
)

func runRetract(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("retract", "--reason TEXT [--dry-run] SNAPSHOT", `
Withdraw a wrongly stored snapshot, such as one dated in the future (which
makes every real publication look older) or one a person found false.
The snapshot stays in the database for audit, marked retracted with when
and why, but it is no longer the list's latest: the snapshot before it is
again, the next publication is compared with that one, and its alerts are
not sent if they are still pending. Only a list's latest active snapshot
can be retracted. An alert already sent cannot be unsent: tell its
readers.

--dry-run shows what retracting would do, and changes nothing.`)
	reason := fs.String("reason", "", "why the snapshot is withdrawn (required; kept with it)")
	dryRun := fs.Bool("dry-run", false, "show what retracting would do; change nothing")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *reason == "" {
		fs.Usage()
		return errUsage
	}
	id, err := snapshotArg(fs.Arg(0))
	if err != nil {
		return err
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.Retract(ctx, id, *reason, *dryRun)
	if err != nil {
		return err
	}
	verb := "retracted"
	if *dryRun {
		verb = "would retract"
	}
	fmt.Fprintf(e.stdout, "%s snapshot %s: %d memberships undone, %d reopened, %d pending alerts cancelled\n",
		verb, r.Snapshot.Label(), r.Added, r.Closed, r.Cancelled)
	if r.Restored != nil {
		fmt.Fprintf(e.stdout, "latest of %s: %s\n", r.Snapshot.List, r.Restored.Label())
	} else {
		fmt.Fprintf(e.stdout, "%s has no other snapshot: the next publication is a new baseline\n", r.Snapshot.List)
	}
	return nil
}
