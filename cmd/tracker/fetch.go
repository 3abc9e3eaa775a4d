package main

import (
	"context"
	"fmt"
)

func runFetch(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("fetch", "[--list NAME]...", `
Download lists from their configured URLs (the official ones by default;
file:// URLs work too) and store each publication whose content changed
since the list's latest snapshot. Without --list, every list enabled in the
config. One list failing does not stop the others; the exit status is 2 if
any failed. The alerts about new snapshots are queued with them and sent
at the end, as with 'import' (--no-notify: queued only).`)
	var names stringsFlag
	fs.Var(&names, "list", "fetch this list `name` (repeatable)")
	noNotify := fs.Bool("no-notify", false, "queue the alerts but do not send them now")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		names = cfg.EnabledLists()
	}
	p, err := e.openPipeline(ctx, pipelineOptions{})
	if err != nil {
		return err
	}
	defer p.Close()

	var errs []error
	for _, name := range names {
		spec, err := listSpec(cfg, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res, err := p.ingester.Fetch(ctx, spec.FetchRequest(nil, ""))
		if err != nil {
			fmt.Fprintf(e.stderr, "tracker fetch: %v\n", err)
			errs = append(errs, err)
			continue
		}
		printSaveResult(e, spec.List, res)
	}
	if !*noNotify {
		// Alerts held back by an earlier failure go out even if a list failed now.
		if err := e.dispatch(ctx, "fetch", p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return exitCodeError{exitTrouble} // each failure is printed above
	}
	return nil
}
