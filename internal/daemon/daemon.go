// Package daemon runs the tracker as a service: it checks each list on its
// cron schedule, or every few minutes while the list's server answers
// conditional requests with 304 (polling.go), retries a failed check with
// backoff (fetch → store → deliver), keeps a per-list failure streak
// and tells operators once when a list keeps failing and again when it
// recovers, reports health and metrics over HTTP, and speaks systemd's
// notify protocol (readiness, watchdog, stopping).
package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/ingest"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

// ListSpec is one list the daemon follows, with its effective settings.
type ListSpec struct {
	List     lists.List
	URLs     []string      // empty: the list's official URLs
	Schedule string        // cron.ParseStandard spec: "15 * * * *", "CRON_TZ=Europe/London 15 * * * *", "@every 1h"
	Timeout  time.Duration // per download attempt
	Retries  int           // extra attempts after a retryable failure; 0: none
	MaxBytes int64
	// UserAgent of the list's requests; "" is the Daemon's.
	UserAgent string
	// FastInterval is how often the list is checked while its server
	// honours validators (adaptive polling); 0: adaptive polling off, the
	// list keeps its schedule.
	FastInterval time.Duration
}

// FetchRequest is the one way a list's settings become a download: a
// Downloader with the list's User-Agent (else fallbackUA), its publisher's
// User-Agent rule, timeout, retries and size cap, over client (nil: the
// downloader's own client).
func (l ListSpec) FetchRequest(client *http.Client, fallbackUA string) ingest.FetchRequest {
	ua := l.UserAgent
	if ua == "" {
		ua = fallbackUA
	}
	return ingest.FetchRequest{List: l.List, URLs: l.URLs, Downloader: &fetch.Downloader{
		Client: client, UserAgent: ua, UserAgentRule: l.List.UserAgentRule,
		Timeout: l.Timeout, Retries: l.Retries, MaxBytes: l.MaxBytes,
	}}
}

// OperatorNotice tells operators that a list keeps failing or works again.
type OperatorNotice struct {
	List      string
	Recovered bool
	Failures  int       // consecutive failures (for a recovery: of the streak that ended)
	Since     time.Time // the streak's first failure
	LastError string
	Text      string // the message, ready to send; the notifier names the list
}

// Daemon checks lists on their schedules. Set the fields, then call Run or
// RunOnce; a Daemon runs once.
type Daemon struct {
	Lists    []ListSpec
	Store    *store.Store
	Ingester *ingest.Ingester // its AfterSave plans the deliveries of a new snapshot
	Log      *slog.Logger

	// Client and UserAgent are shared by every download (a list may have
	// its own UserAgent); a nil Client is the fetch package's, with its
	// dial, TLS and idle timeouts, and "" is tracker.UserAgent.
	Client    *http.Client
	UserAgent string

	// Jitter delays each scheduled check by a random time up to it, so
	// that many trackers do not hit a publisher in the same second.
	Jitter time.Duration
	// FailureThreshold: consecutive failures of a list before operators
	// hear of it (once per streak). 0: never.
	FailureThreshold int
	// InitialRun checks every list once at start, before the schedule.
	InitialRun bool
	// Listen, if set, serves /healthz and /metrics on this address.
	Listen string
	// Web, if set, is served on Listen beside /healthz and /metrics (the
	// web view's pages).
	Web http.Handler

	// OperatorNotice enqueues a notice for operators inside the check's
	// transaction, so that it is recorded as sent exactly when it is
	// queued. Nil: notices are only logged.
	OperatorNotice func(ctx context.Context, tx *sql.Tx, n OperatorNotice) error
	// Dispatch sends what the outbox holds; it runs after every check.
	// Nil: nothing is sent.
	Dispatch func(ctx context.Context) error

	// SdNotify sends a systemd notification ("READY=1"); the default uses
	// $NOTIFY_SOCKET and does nothing without it.
	SdNotify func(state string) error
	// WatchdogInterval is systemd's watchdog timeout; the default reads
	// $WATCHDOG_USEC. Zero: no watchdog.
	WatchdogInterval time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time

	// Tests scale these down: the floor between two checks of a list (and
	// two attempts at a URL), DefaultMinRequestGap when 0; the first wait
	// after a failed check, DefaultRetryBase when 0; and the wait between
	// checks, backoff.Sleep when nil. None is a config key: the floor is
	// the tracker's promise to publishers.
	minRequestGap time.Duration
	retryBase     time.Duration
	sleep         func(ctx context.Context, d time.Duration) error

	once       sync.Once
	initErr    error
	schedules  map[string]cron.Schedule
	metrics    *metrics
	dispatchMu sync.Mutex // one dispatch at a time: checks of several lists may end together

	mu       sync.Mutex
	stopping bool
	running  map[string]time.Time // list → start of its in-flight check
	modes    map[string]Mode      // list → its polling mode after its last check
	nextAt   map[string]time.Time // list → when its loop checks it next
	wg       sync.WaitGroup
}

// CheckResult is one check of one list.
type CheckResult struct {
	store.Check
	Err error
	// Failures is the list's failure streak after this check.
	Failures int
	// MaxAge is the publisher's Cache-Control max-age.
	MaxAge time.Duration
}

func (d *Daemon) init() error {
	d.once.Do(func() {
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.SdNotify == nil {
			d.SdNotify = sdNotify
		}
		if d.Store == nil || d.Ingester == nil {
			d.initErr = errors.New("daemon: no store or ingester")
			return
		}
		d.running = make(map[string]time.Time)
		d.schedules = make(map[string]cron.Schedule, len(d.Lists))
		for _, l := range d.Lists {
			s, err := ParseSchedule(l.Schedule)
			if err != nil {
				d.initErr = fmt.Errorf("list %s: %w", l.List.Name, err)
				return
			}
			d.schedules[l.List.Name] = s
		}
		d.metrics = newMetrics(d)
	})
	return d.initErr
}

// RunOnce checks every list once, concurrently, and returns each result
// in the order of Lists.
func (d *Daemon) RunOnce(ctx context.Context) ([]CheckResult, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	out := make([]CheckResult, len(d.Lists))
	var wg sync.WaitGroup
	for i, l := range d.Lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = d.check(ctx, l, 0)
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

// Run checks the lists on their schedules until ctx is cancelled. Then it
// starts no new check, lets the in-flight ones see the cancellation (a
// download stops; a snapshot half-written is rolled back by its
// transaction) and returns nil once they have ended.
func (d *Daemon) Run(ctx context.Context) error {
	if err := d.init(); err != nil {
		return err
	}
	var srv *http.Server
	if d.Listen != "" {
		ln, err := net.Listen("tcp", d.Listen)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		srv = &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 90 * time.Second, IdleTimeout: 2 * time.Minute}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.Log.Error("http server stopped", "err", err)
			}
		}()
		d.Log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	}

	var loops sync.WaitGroup
	for _, l := range d.Lists {
		d.Log.Info("scheduled", "list", l.List.Name, "schedule", l.Schedule, "fast_interval", l.FastInterval.String(),
			"next", d.schedules[l.List.Name].Next(d.Now()).Format(time.RFC3339))
		loops.Add(1)
		go func() {
			defer loops.Done()
			d.loop(ctx, l)
		}()
	}
	d.notify("READY=1")
	d.Log.Info("tracker running", "lists", len(d.Lists), "initial_run", d.InitialRun)

	watchdogDone := make(chan struct{})
	go func() {
		defer close(watchdogDone)
		d.watchdog(ctx)
	}()

	<-ctx.Done()
	// The watchdog ends first: a ping racing past STOPPING=1 would tell
	// systemd the tracker is running again.
	<-watchdogDone
	d.notify("STOPPING=1")
	d.Log.Info("shutting down: waiting for in-flight checks to end")
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	loops.Wait()
	d.wg.Wait()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	d.Log.Info("stopped")
	return nil
}

// scheduled runs one check of a list for its loop (one loop per list, so
// checks of a list never overlap), unless the daemon is stopping; ok is
// false then.
func (d *Daemon) scheduled(ctx context.Context, l ListSpec) (r CheckResult, ok bool) {
	name := l.List.Name
	d.mu.Lock()
	if d.stopping || ctx.Err() != nil {
		d.mu.Unlock()
		return CheckResult{}, false
	}
	d.running[name] = d.Now()
	d.wg.Add(1)
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.running, name)
		d.mu.Unlock()
		d.wg.Done()
	}()
	r = d.check(ctx, l, d.minGap())
	return r, ctx.Err() == nil
}

// check fetches and stores one list, records the outcome, tells operators
// of a failure streak or a recovery, and dispatches deliveries. minWait is
// the shortest wait between two attempts at a URL within the check.
func (d *Daemon) check(ctx context.Context, l ListSpec, minWait time.Duration) CheckResult {
	name := l.List.Name
	start := d.Now()
	req := l.FetchRequest(d.Client, d.UserAgent)
	req.Downloader.MinWait = minWait
	res, err := d.Ingester.FetchConditional(ctx, req)
	c := store.Check{List: name, StartedAt: start, Duration: d.Now().Sub(start)}
	if err != nil && ctx.Err() != nil {
		// Shutdown, not the list, cut the check short: it is no failure.
		d.Log.Info("check interrupted by shutdown; nothing stored", "list", name)
		return CheckResult{Check: c, Err: ctx.Err()}
	}
	switch {
	case err != nil:
		c.Outcome, c.Error = store.Failed, err.Error()
	case res.Save.Created:
		c.Outcome, c.Snapshot, c.Bytes = store.Stored, res.Save.Snapshot.ID, res.Bytes
	default:
		c.Outcome, c.Snapshot, c.Bytes, c.NotModified = store.Unchanged, res.Save.Snapshot.ID, res.Bytes, res.NotModified
	}
	var maxAge time.Duration
	if err == nil {
		c.Conditional, c.Validators, maxAge = res.Conditional, res.Validators, res.MaxAge
	}

	// The check happened; record it even if shutdown starts now.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	st, tr, rerr := d.Store.RecordCheck(bctx, c, store.CheckOptions{FailureThreshold: d.FailureThreshold, OnTransition: d.onTransition})
	if rerr != nil {
		d.Log.Error("recording the check failed", "list", name, "err", rerr)
	}
	d.metrics.observe(c, res)

	log := d.Log.With("list", name, "outcome", string(c.Outcome), "duration", c.Duration.Round(time.Millisecond).String())
	switch c.Outcome {
	case store.Failed:
		log.Error("check failed", "err", err, "consecutive_failures", st.ConsecutiveFailures)
	case store.Stored:
		log.Info("list checked", "result", c.String(), "snapshot", c.Snapshot, "bytes", c.Bytes, "changes", len(res.Save.Changes))
	default:
		log.Info("list checked", "result", c.String(), "snapshot", c.Snapshot, "not_modified", c.NotModified)
	}
	switch tr {
	case store.StartedFailing:
		log.Warn("operators notified: list keeps failing", "consecutive_failures", st.ConsecutiveFailures)
	case store.Recovered:
		log.Info("operators notified: list recovered")
	}

	// Shutdown may cut dispatching short: what is not sent stays queued.
	if d.Dispatch != nil && ctx.Err() == nil {
		d.dispatchMu.Lock()
		if derr := d.Dispatch(ctx); derr != nil {
			log.Error("dispatching deliveries failed; they stay queued", "err", derr)
		}
		d.dispatchMu.Unlock()
	}
	if err == nil {
		err = rerr
	}
	return CheckResult{Check: c, Err: err, Failures: st.ConsecutiveFailures, MaxAge: maxAge}
}

// onTransition runs inside RecordCheck's transaction.
func (d *Daemon) onTransition(ctx context.Context, tx *sql.Tx, tr store.Transition, prev, cur store.ListState) error {
	n := OperatorNotice{List: cur.List}
	switch tr {
	case store.StartedFailing:
		n.Failures, n.Since, n.LastError = cur.ConsecutiveFailures, cur.FailingSince, cur.LastError
		n.Text = fmt.Sprintf("failed %d checks in a row since %s; no new publication is seen until it works again. Last error: %s",
			cur.ConsecutiveFailures, cur.FailingSince.UTC().Format(time.RFC3339), cur.LastError)
	case store.Recovered:
		n.Recovered = true
		n.Failures, n.Since, n.LastError = prev.ConsecutiveFailures, prev.FailingSince, prev.LastError
		n.Text = fmt.Sprintf("works again after %d failed checks (failing since %s).",
			prev.ConsecutiveFailures, prev.FailingSince.UTC().Format(time.RFC3339))
	default:
		return nil
	}
	if d.OperatorNotice == nil {
		d.Log.Warn("operator notice (no notifier configured): "+n.Text, "list", n.List)
		return nil
	}
	return d.OperatorNotice(ctx, tx, n)
}
