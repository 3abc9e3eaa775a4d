package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/deliver"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

// newNotifier builds the one notifier alerts go through: Slack when the
// config has a slack section (bot token or incoming webhook, at api_url if
// set), else stdout in format ("text" or "json"). secrets are the
// credentials that must never appear in a log or an error.
func newNotifier(cfg *config.Config, stdout io.Writer, format string) (n notify.Notifier, secrets []string, err error) {
	s := cfg.Slack
	if s == nil {
		n, err := notify.NewStdout(stdout, format)
		return n, nil, err
	}
	var opts []notify.SlackOption
	if s.APIURL != "" {
		opts = append(opts, notify.WithAPIURL(s.APIURL))
	}
	if s.WebhookMode() {
		n, err := notify.NewSlackWebhook(s.WebhookURL.Reveal(), opts...)
		return n, []string{s.WebhookURL.Reveal()}, err
	}
	n, err = notify.NewSlack(s.Token.Reveal(), s.Channel, opts...)
	return n, []string{s.Token.Reveal()}, err
}

// outbox is the alert pipeline of one command: the planner that queues a
// new snapshot's alerts and the dispatcher that sends them.
type outbox struct {
	planner    *deliver.Planner
	dispatcher *deliver.Dispatcher
}

// newOutbox wires the configured notifier to the store. Alerts written to
// stdout use format; logs go to log.
func (e *env) newOutbox(cfg *config.Config, st *store.Store, format string, log *slog.Logger) (*outbox, error) {
	n, secrets, err := newNotifier(cfg, e.stdout, format)
	if err != nil {
		return nil, fmt.Errorf("notifier: %w", err)
	}
	p := &deliver.Planner{
		Store:     st,
		Notifiers: []string{n.Name()},
		Filter:    e.filterFor,
		Kinds:     cfg.Notify.Kinds,
		Channel:   cfg.ChannelFor,
		Publisher: func(list string) string {
			l, _ := lists.Lookup(list)
			return l.Publisher
		},
		Log: log,
	}
	if cfg.Slack != nil {
		p.OperatorChannel = cfg.Slack.OperatorChannel
	}
	d := &deliver.Dispatcher{
		Store:     st,
		Notifiers: []notify.Notifier{n},
		MaxAge:    cfg.Notify.MaxAge,
		Secrets:   secrets,
		Log:       log,
	}
	return &outbox{planner: p, dispatcher: d}, nil
}

// commandOutbox is the outbox of an interactive command: alerts on its
// stdout as text when Slack is not configured, warnings and failures
// logged to its stderr.
func (e *env) commandOutbox(st *store.Store) (*outbox, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	log, err := daemon.NewLogger(e.stderr, cfg.Log.Format, "warn")
	if err != nil {
		return nil, err
	}
	return e.newOutbox(cfg, st, "text", log)
}

// dispatch sends the due alerts and says what happened. A delivery that
// failed stays queued for the next run; the command then exits 2 so that
// a cron job or an operator notices.
func (e *env) dispatch(ctx context.Context, cmd string, ob *outbox) error {
	res, err := ob.dispatcher.Run(ctx)
	if err != nil {
		return fmt.Errorf("sending alerts: %w", err)
	}
	if res.Sent > 0 || res.Expired > 0 || len(res.Failed) > 0 || res.Skipped > 0 {
		fmt.Fprintf(e.stdout, "alerts: %d sent", res.Sent)
		if res.Expired > 0 {
			fmt.Fprintf(e.stdout, ", %d expired unsent (older than notify.max_age)", res.Expired)
		}
		if n := len(res.Failed) + res.Skipped; n > 0 {
			fmt.Fprintf(e.stdout, ", %d queued for the next run", n)
		}
		fmt.Fprintln(e.stdout)
	}
	if len(res.Failed) == 0 {
		return nil
	}
	for _, f := range res.Failed {
		fmt.Fprintf(e.stderr, "tracker %s: alert not delivered, queued for the next run: %v\n", cmd, f)
	}
	return exitCodeError{exitTrouble}
}
