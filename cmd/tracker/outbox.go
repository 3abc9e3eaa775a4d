package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cybersanctions/tracker/internal/store"
)

func runOutbox(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("outbox", "[--all] [--format text|json]", `
List the alerts not sent: pending ones (not yet tried, or waiting for
another attempt after a failure) and expired ones (older than
notify.max_age before they could be sent), with their attempts, parts
sent and last error. 'tracker notify' sends the pending ones that are due.`)
	all := fs.Bool("all", false, "include the alerts already sent")
	format := formatFlag(fs)
	st, err := e.parseAndOpenToRead(ctx, fs, args, format)
	if err != nil {
		return err
	}
	defer st.Close()
	statuses := []string{store.DeliveryPending, store.DeliveryExpired}
	if *all {
		statuses = nil
	}
	ds, err := st.Deliveries(ctx, statuses...)
	if err != nil {
		return err
	}
	if *format == "json" {
		out := make([]outboxEntry, len(ds))
		for i, d := range ds {
			out[i] = newOutboxEntry(d)
		}
		return writeJSON(e.stdout, out)
	}
	if len(ds) == 0 {
		fmt.Fprintln(e.stdout, "outbox empty: every alert was sent")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLIST\tSNAP\tTO\tSTATUS\tCREATED\tATTEMPTS\tPARTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, d := range ds {
		snap, next := "notice", "-"
		if d.SnapshotID != 0 {
			snap = strconv.FormatInt(d.SnapshotID, 10)
		}
		if d.Status == store.DeliveryPending {
			next = d.NextAttemptAt.UTC().Format(time.DateTime)
		}
		lastErr := strings.ReplaceAll(d.LastError, "\n", " ")
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.List, snap, target(d.Notifier, d.Channel),
			d.Status, d.CreatedAt.UTC().Format(time.DateTime), d.Attempts, d.Progress.Sent, next, lastErr)
	}
	return tw.Flush()
}

func target(notifier, channel string) string {
	if channel == "" {
		return notifier
	}
	return notifier + " " + channel
}

// outboxEntry is a delivery in `tracker outbox --format json`.
type outboxEntry struct {
	ID            int64           `json:"id"`
	List          string          `json:"list"`
	SnapshotID    int64           `json:"snapshot_id,omitempty"` // absent: an operator notice
	Notifier      string          `json:"notifier"`
	Channel       string          `json:"channel,omitempty"`
	Status        string          `json:"status"`
	CreatedAt     time.Time       `json:"created_at"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"next_attempt_at,omitempty"` // pending only
	LastError     string          `json:"last_error,omitempty"`
	PartsSent     int             `json:"parts_sent"`
	SentAt        *time.Time      `json:"sent_at,omitempty"`
	Alert         json.RawMessage `json:"alert"`
}

func newOutboxEntry(d store.Delivery) outboxEntry {
	o := outboxEntry{ID: d.ID, List: d.List, SnapshotID: d.SnapshotID, Notifier: d.Notifier, Channel: d.Channel,
		Status: d.Status, CreatedAt: d.CreatedAt.UTC(), Attempts: d.Attempts, LastError: d.LastError,
		PartsSent: d.Progress.Sent, Alert: json.RawMessage(d.Payload)}
	if d.Status == store.DeliveryPending {
		t := d.NextAttemptAt.UTC()
		o.NextAttemptAt = &t
	}
	if !d.SentAt.IsZero() {
		t := d.SentAt.UTC()
		o.SentAt = &t
	}
	return o
}
