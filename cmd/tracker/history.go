package main

import (
	"context"
	"fmt"

	"github.com/cybersanctions/tracker"
)

func runHistory(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("history", "--list NAME [--format text|json] ID", `
Show every stored change of one designation (every regime), oldest first:
when it was added, each amendment field by field, and its removal. ID is
the publisher's id (OFAC uid, EU logicalId, UK Unique ID such as CYB0046).
The designation's first appearance in a list's baseline snapshot is not a
change and is not shown.`)
	list := fs.String("list", "", "list `name` (required)")
	format := fs.String("format", "text", "output `format`: text or json")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if *list == "" || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	st, err := e.openStoreToRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	hist, err := st.EntityHistory(ctx, *list, fs.Arg(0))
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, hist)
	}
	if len(hist) == 0 {
		fmt.Fprintf(e.stdout, "no stored changes of %s %s\n", *list, fs.Arg(0))
		return nil
	}
	for _, h := range hist {
		fmt.Fprintf(e.stdout, "%s:\n", h.Snapshot.Label())
		writeChangesText(e.stdout, []tracker.Change{h.Change})
	}
	return nil
}
