package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cybersanctions/tracker/internal/notify"
)

func runNotify(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("notify", "[--test]", `
Send the queued alerts that are due: those that 'import' or 'fetch' stored
with --no-notify, and those a failed attempt left for later (see 'tracker
outbox'). Alerts older than notify.max_age are dropped instead.

With --test, post a test message through the configured notifier (Slack
when the config has a slack section, else stdout) to check the token,
webhook and channel; nothing is queued or recorded. Exit status 2 with the
reason if it fails.`)
	test := fs.Bool("test", false, "post a test message to check the notifier configuration")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
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
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ob, err := e.commandOutbox(st)
	if err != nil {
		return err
	}
	return e.dispatch(ctx, "notify", ob)
}
