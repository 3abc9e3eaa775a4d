package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/deliver"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/store"
)

// exitInterrupted is the status of a run stopped by a second signal, as a
// shell reports a process killed by SIGINT.
const exitInterrupted = 130

func runRun(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("run", "[--once] [--no-initial-run]", `
Run the tracker as a service: check every enabled list on its schedule
(the list's own, else the global one; cron syntax, e.g. "15 * * * *",
"CRON_TZ=Europe/London 15 * * * *" or "@every 1h"), store what changed and
send the alerts. One list failing never stops the others; after
notify.failure_threshold failures in a row the operators are told once, and
again when the list works.

Without --no-initial-run every list is checked once at start. With 'listen'
set in the config, /healthz and /metrics are served there. Under systemd
(Type=notify) it reports readiness, pings the watchdog and says when it
stops. SIGTERM or SIGINT stops it: in-flight downloads are cancelled,
nothing half-written is kept, exit status 0; a second signal exits at once
with status 130.

With --once, check every enabled list once and exit: status 2 if any
failed.`)
	once := fs.Bool("once", false, "check every enabled list once and exit")
	noInitial := fs.Bool("no-initial-run", false, "wait for each list's schedule instead of checking all lists at start")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	log, err := daemon.NewLogger(e.stderr, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		return err
	}
	lists, err := listSpecs(cfg)
	if err != nil {
		return err
	}
	if len(lists) == 0 {
		return errors.New("no list enabled in the config: nothing to do")
	}
	// One daemon per database: two would fetch, store and alert twice.
	dbPath, err := e.databasePath()
	if err != nil {
		return err
	}
	lock, err := daemon.AcquireLock(dbPath)
	if err != nil {
		return err
	}
	defer lock.Release()
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	in, err := e.newIngester(st, log, nil) // wireDeliveries sets AfterSave
	if err != nil {
		return err
	}
	d := &daemon.Daemon{
		Lists:            lists,
		Store:            st,
		Ingester:         in,
		Log:              log,
		Jitter:           cfg.Jitter,
		FailureThreshold: cfg.Notify.FailureThreshold,
		InitialRun:       !*noInitial,
		Listen:           cfg.Listen,
	}
	if err := wireDeliveries(e, cfg, st, d); err != nil {
		return err
	}

	if *once {
		return runOnce(ctx, e, d)
	}
	stopSignals := exitOnSecondSignal(e)
	defer stopSignals()
	log.Info("starting", "db", st.Path(), "lists", len(lists), "listen", cfg.Listen)
	return d.Run(ctx)
}

// runOnce checks every list once and prints what each check found.
func runOnce(ctx context.Context, e *env, d *daemon.Daemon) error {
	results, err := d.RunOnce(ctx)
	if err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	failed := 0
	for _, r := range results {
		fmt.Fprintf(e.stdout, "%s: %s\n", r.List, r.Check)
		if r.Err != nil {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "tracker run: %d of %d lists failed\n", failed, len(results))
		return exitCodeError{exitTrouble}
	}
	return nil
}

// exitOnSecondSignal makes a second SIGINT or SIGTERM end the process at
// once: the first has already asked for a graceful stop (main cancels the
// context), and an operator who asks again means it.
func exitOnSecondSignal(e *env) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			case s := <-sigs:
				if n > 0 {
					fmt.Fprintf(e.stderr, "tracker run: second %v: exiting without waiting\n", s)
					os.Exit(exitInterrupted)
				}
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// listSpecs resolves the enabled lists' settings: a list's own schedule,
// else the global one.
func listSpecs(cfg *config.Config) ([]daemon.ListSpec, error) {
	var out []daemon.ListSpec
	var errs []error
	for _, name := range cfg.EnabledLists() {
		l, err := lists.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		lc := cfg.List(name)
		spec := daemon.ListSpec{List: l, URLs: lc.URLs, Schedule: lc.Schedule, Timeout: lc.Timeout, Retries: lc.Retries, MaxBytes: lc.MaxBytes,
			UserAgent: cfg.UserAgentFor(name)}
		if spec.Schedule == "" {
			spec.Schedule = cfg.Schedule
		}
		// The config checked it already; the daemon reads it the same way.
		if _, err := daemon.ParseSchedule(spec.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("lists.%s.schedule: %w", name, err))
			continue
		}
		out = append(out, spec)
	}
	return out, errors.Join(errs...)
}

// wireDeliveries connects the daemon to the outbox: a new snapshot plans
// its alerts in its own transaction, an operator notice is queued in the
// transaction that records the check, and the dispatcher sends what is due
// after every check. Slack when configured, else stdout.
func wireDeliveries(e *env, cfg *config.Config, st *store.Store, d *daemon.Daemon) error {
	n, secrets, err := newNotifier(cfg, e.stdout, "text")
	if err != nil {
		return fmt.Errorf("notifier: %w", err)
	}
	operatorChannel := ""
	if s := cfg.Slack; s != nil && !s.WebhookMode() {
		operatorChannel = s.OperatorChannel
	}

	planner := &deliver.Planner{
		Store:           st,
		Notifiers:       []string{n.Name()},
		Filter:          e.filterFor,
		Kinds:           cfg.Notify.Kinds,
		Channel:         cfg.ChannelFor,
		OperatorChannel: operatorChannel,
		Publisher: func(list string) string {
			l, _ := lists.Lookup(list)
			return l.Publisher
		},
		Log: d.Log,
	}
	d.Ingester.AfterSave = planner.AfterSave
	d.OperatorNotice = func(ctx context.Context, tx *sql.Tx, on daemon.OperatorNotice) error {
		ds, err := planner.Notice(on.List, on.Text)
		if err != nil {
			return err
		}
		return st.EnqueueTx(ctx, tx, ds)
	}
	disp := &deliver.Dispatcher{Store: st, Notifiers: []notify.Notifier{n}, MaxAge: cfg.Notify.MaxAge, Secrets: secrets, Log: d.Log}
	d.Dispatch = func(ctx context.Context) error {
		res, err := disp.Run(ctx)
		if err != nil {
			return err
		}
		if len(res.Failed) > 0 {
			return fmt.Errorf("%d alerts not delivered, kept for the next run: %w", len(res.Failed), res.Failed[0])
		}
		return nil
	}
	return nil
}
