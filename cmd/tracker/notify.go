package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

func runNotify(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("notify", "[--now] [--test]", `
Send the queued alerts that are due: those that 'import' or 'fetch' stored
with --no-notify, and those a failed attempt left for later (see 'tracker
outbox'). Alerts older than notify.max_age are dropped instead. Then say
what is still pending and when it is next due.

With --now, also send the alerts that wait out a backoff after a failed
attempt, without waiting. An alert another process is sending right now
(the daemon holds a lease on it) is still left to that process.

With --test, post a test message through the configured notifier (Slack
when the config has a slack section, else stdout) to check the token,
webhook and channel; nothing is queued or recorded. Exit status 2 with the
reason if it fails.`)
	test := fs.Bool("test", false, "post a test message to check the notifier configuration")
	now := fs.Bool("now", false, "send pending alerts now, even those waiting out a backoff")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if err := noOperands(fs); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if *test {
		n, _, err := newNotifier(cfg, e.stdout, "text")
		if err != nil {
			return err
		}
		a := notify.Alert{Operator: "tracker test message: alerts from this tracker will reach this channel. Sent " +
			time.Now().UTC().Format(time.RFC3339) + "."}
		if cfg.Slack != nil {
			a.Channel = cfg.Slack.Channel
		}
		// Errors from the notifier are already redacted and say what to fix.
		if err := n.Deliver(ctx, a, notify.Progress{}, func(notify.Progress) error { return nil }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "test message sent through %s\n", alertTarget(cfg))
		return nil
	}
	p, err := e.openPipeline(ctx, pipelineOptions{})
	if err != nil {
		return err
	}
	defer p.Close()
	if *now {
		if _, err := p.store.DueNow(ctx, p.store.Now()); err != nil {
			return err
		}
	}
	err = e.dispatch(ctx, "notify", p)
	if perr := e.printPending(ctx, p.store); perr != nil && err == nil {
		err = perr
	}
	return err
}

// printPending says what is left in the outbox, so that a notify that
// sent nothing does not look like one that found nothing.
func (e *env) printPending(ctx context.Context, st *store.Store) error {
	pending, err := st.Deliveries(ctx, store.DeliveryPending)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintln(e.stdout, "nothing pending")
		return nil
	}
	next := pending[0].NextAttemptAt
	for _, d := range pending[1:] {
		if d.NextAttemptAt.Before(next) {
			next = d.NextAttemptAt
		}
	}
	what := "1 alert pending"
	it := "it"
	if len(pending) > 1 {
		what = fmt.Sprintf("%d alerts pending", len(pending))
		it = "them"
	}
	fmt.Fprintf(e.stdout, "%s, next attempt %s — `tracker notify --now` to send %s now (`tracker outbox` for details)\n",
		what, next.UTC().Format("2006-01-02 15:04:05 UTC"), it)
	return nil
}
