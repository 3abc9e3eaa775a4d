package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	tracker "github.com/cybersanctions/tracker"
)

func runSnapshots(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("snapshots", "[--list NAME] [--format text|json]", `
List the stored snapshots, oldest first, with the list's own publication
date, the server's Last-Modified, when tracker first saw it (fetched or
imported), when its alerts were all accepted, its entity count and status.`)
	list := fs.String("list", "", "only this list's snapshots")
	format := fs.String("format", "text", "output `format`: text or json")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	st, err := e.openStoreToRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	snaps, err := st.Snapshots(ctx, *list)
	if err != nil {
		return err
	}
	sent, err := st.AlertSentAt(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		type snapshotJSON struct {
			tracker.Snapshot
			AlertSentAt time.Time `json:"alert_sent_at,omitzero"`
		}
		out := make([]snapshotJSON, len(snaps))
		for i, s := range snaps {
			out[i] = snapshotJSON{Snapshot: s, AlertSentAt: sent[s.ID]}
		}
		return writeJSON(e.stdout, out)
	}
	if len(snaps) == 0 {
		fmt.Fprintln(e.stdout, "no snapshots stored")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAP\tLIST\tPUBLISHED\tMODIFIED\tFIRST SEEN\tALERTED\tENTITIES\tSOURCE\tSTATUS")
	for _, s := range snaps {
		pub := s.PublishedAt
		if pub == "" {
			pub = "- (list states no date)"
		}
		status := s.Status
		if s.Note != "" {
			status += ": " + s.Note
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.List, pub, dateTimeOrDash(s.ModifiedAt),
			s.FetchedAt.UTC().Format(time.DateTime), dateTimeOrDash(sent[s.ID]), s.EntityCount, s.Source, status)
	}
	return tw.Flush()
}

func dateTimeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateTime)
}
