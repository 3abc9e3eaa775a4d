package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cybersanctions/tracker/internal/config"
	"github.com/cybersanctions/tracker/internal/daemon"
	"github.com/cybersanctions/tracker/internal/lists"
)

// exitInterrupted is the status of a run stopped by a second signal, as a
// shell reports a process killed by SIGINT.
const exitInterrupted = 130

const runHelp = `
Run the tracker as a service: check every enabled list on its schedule
(the list's own, else the global one; cron syntax, e.g. "15 * * * *",
"CRON_TZ=Europe/London 15 * * * *" or "@every 1h"), store what changed and
send the alerts. One list failing never stops the others; after
notify.failure_threshold failures in a row the operators are told once, and
again when the list works.

Without --no-initial-run every list is checked once at start. With 'listen'
set in the config, /healthz, /metrics and the web view's pages (see
'tracker serve') are served there. Under systemd
(Type=notify) it reports readiness, pings the watchdog and says when it
stops. SIGTERM or SIGINT stops it: in-flight downloads are cancelled,
nothing half-written is kept, exit status 0; a second signal exits at once
with status 130.

With --once, check every enabled list once and exit: status 2 if any
failed.`

func runRun(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("run", "[--once] [--no-initial-run]", runHelp)
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
	specs, err := listSpecs(cfg)
	if err != nil {
		return err
	}
	if len(specs) == 0 {
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
	p, err := e.openPipeline(ctx, pipelineOptions{logLevel: cfg.Log.Level})
	if err != nil {
		return err
	}
	defer p.Close()
	p.ingester.Log = p.log // the daemon logs what each check stored
	if sc := p.planner.Screening; sc != nil {
		// Index the counterparties beside the first checks, not inside
		// the first new snapshot's transaction; a failure is the first
		// snapshot's to report.
		go func() {
			if err := sc.Warm(ctx); err != nil {
				p.log.Warn("counterparty file not read ahead", "err", err)
			}
		}()
	}
	d := &daemon.Daemon{
		Lists:            specs,
		Store:            p.store,
		Ingester:         p.ingester,
		Log:              p.log,
		Jitter:           cfg.Jitter,
		FailureThreshold: cfg.Notify.FailureThreshold,
		InitialRun:       !*noInitial,
		Listen:           cfg.Listen,
		// An operator notice is queued in the transaction that records
		// the check; the dispatcher sends what is due after every check.
		OperatorNotice: p.queueNotice,
		Dispatch:       p.dispatchQuietly,
	}

	if cfg.Listen != "" {
		// The web view shares the daemon's store: its pages only read,
		// through the store's query-only connections.
		if d.Web, err = e.webHandler(p.store, d.NextCheck); err != nil {
			return err
		}
	}
	if *once {
		return runOnce(ctx, e, d)
	}
	stopSignals := exitOnSecondSignal(e)
	defer stopSignals()
	p.log.Info("starting", "db", p.store.Path(), "lists", len(specs), "listen", cfg.Listen)
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

// listSpecs resolves the enabled lists' settings.
func listSpecs(cfg *config.Config) ([]daemon.ListSpec, error) {
	var out []daemon.ListSpec
	var errs []error
	for _, name := range cfg.EnabledLists() {
		spec, err := listSpec(cfg, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, spec)
	}
	return out, errors.Join(errs...)
}

// listSpec resolves one list's settings: its registry entry, the config's
// URLs, timeout, retries, size cap and User-Agent, and its own schedule,
// else the global one.
func listSpec(cfg *config.Config, name string) (daemon.ListSpec, error) {
	l, err := lists.Lookup(name)
	if err != nil {
		return daemon.ListSpec{}, err
	}
	lc := cfg.List(name)
	spec := daemon.ListSpec{List: l, URLs: lc.URLs, Schedule: lc.Schedule, Timeout: lc.Timeout, Retries: lc.Retries, MaxBytes: lc.MaxBytes,
		UserAgent: cfg.UserAgentFor(name)}
	if spec.Schedule == "" {
		spec.Schedule = cfg.Schedule
	}
	if lc.Adaptive {
		spec.FastInterval = lc.FastInterval
	}
	// The config checked it already; the daemon reads it the same way.
	if _, err := daemon.ParseSchedule(spec.Schedule); err != nil {
		return daemon.ListSpec{}, fmt.Errorf("lists.%s.schedule: %w", name, err)
	}
	return spec, nil
}
