package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/deliver"
	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

// pipeline is the one wiring of store → outbox → ingester, built the same
// way by every command that stores publications or sends alerts (import,
// fetch, accept, notify, replay, run):
//   - the store, opened for writing;
//   - the planner, built once, which queues a new snapshot's alerts in the
//     snapshot's own transaction, and operator notices;
//   - the dispatcher, which sends what is due through the configured
//     notifier (Slack, else stdout as text);
//   - the ingester, with the config's guards and raw-file retention, whose
//     every new snapshot goes through the planner.
type pipeline struct {
	cfg        *config.Config
	store      *store.Store
	planner    *deliver.Planner
	dispatcher *deliver.Dispatcher
	ingester   *ingest.Ingester
	// log gets the outbox's warnings and failures, on stderr.
	log *slog.Logger
}

// pipelineOptions say how a command's pipeline differs from the default.
type pipelineOptions struct {
	// logLevel of the pipeline's log; "" is "warn", for commands, which
	// print their own results.
	logLevel string
	// silent: new snapshots plan no alerts (replay, which rebuilds
	// history, and accept --dry-run, which stores nothing).
	silent bool
}

// openPipeline opens the database and wires the pipeline on it; Close
// closes the database.
func (e *env) openPipeline(ctx context.Context, opt pipelineOptions) (*pipeline, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	level := opt.logLevel
	if level == "" {
		level = "warn"
	}
	log, err := daemon.NewLogger(e.stderr, cfg.Log.Format, level)
	if err != nil {
		return nil, err
	}
	n, secrets, err := newNotifier(cfg, e.stdout, "text")
	if err != nil {
		return nil, fmt.Errorf("notifier: %w", err)
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return nil, err
	}
	p := &pipeline{cfg: cfg, store: st, log: log}
	p.planner = &deliver.Planner{
		Store:           st,
		Notifiers:       []string{n.Name()},
		Filter:          e.filterFor,
		Kinds:           cfg.Notify.Kinds,
		Channel:         cfg.ChannelFor,
		OperatorChannel: operatorChannel(cfg),
		WebBase:         cfg.Web.BaseURL,
		Publisher: func(list string) string {
			l, _ := lists.Lookup(list)
			return l.Publisher
		},
		Screening: newScreening(cfg, log),
		Log:       log,
	}
	p.dispatcher = &deliver.Dispatcher{Store: st, Notifiers: []notify.Notifier{n}, MaxAge: cfg.Notify.MaxAge, Secrets: secrets, Log: log}
	p.ingester = &ingest.Ingester{
		Store:        st,
		RawRetention: cfg.RawRetention,
		Guards: func(list string) store.Guards {
			g := cfg.List(list).Guards
			return store.Guards{MinEntities: g.MinEntities, MaxRemovedShare: g.MaxRemovedShare}
		},
	}
	if !opt.silent {
		p.ingester.AfterSave = p.planner.AfterSave
	}
	return p, nil
}

// newScreening is the planner's screening of every stored change against
// the counterparty file; nil when screening.file is not set.
func newScreening(cfg *config.Config, log *slog.Logger) *deliver.Screening {
	sc := cfg.Screening
	if !sc.Enabled() {
		return nil
	}
	return &deliver.Screening{Path: sc.File, Threshold: sc.Threshold, Regimes: sc.Regimes, Lists: sc.Lists,
		Channel: cfg.ScreeningChannel(), Mention: sc.Mention, Log: log}
}

// Close closes the database.
func (p *pipeline) Close() error { return p.store.Close() }

// operatorChannel is where failure and quarantine notices go: Slack's
// operator channel with a bot token; a webhook posts where it was made for.
func operatorChannel(cfg *config.Config) string {
	if s := cfg.Slack; s != nil && !s.WebhookMode() {
		return s.OperatorChannel
	}
	return ""
}

// queueNotice queues an operator notice in tx, the transaction that
// records the check it is about.
func (p *pipeline) queueNotice(ctx context.Context, tx *sql.Tx, on daemon.OperatorNotice) error {
	ds, err := p.planner.Notice(on.List, on.Text)
	if err != nil {
		return err
	}
	return p.store.EnqueueTx(ctx, tx, ds)
}

// dispatchQuietly sends the due alerts for the daemon, which logs what
// happened: a failed delivery stays queued for the next run.
func (p *pipeline) dispatchQuietly(ctx context.Context) error {
	res, err := p.dispatcher.Run(ctx)
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d alerts not delivered, kept for the next run: %w", len(res.Failed), res.Failed[0])
	}
	return nil
}

// dispatch sends the due alerts and says what happened. A delivery that
// failed stays queued for the next run; the command then exits 2 so that
// a cron job or an operator notices.
func (e *env) dispatch(ctx context.Context, cmd string, p *pipeline) error {
	res, err := p.dispatcher.Run(ctx)
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
