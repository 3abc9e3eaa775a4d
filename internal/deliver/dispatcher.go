package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cybersanctions/tracker/internal/backoff"
	"github.com/cybersanctions/tracker/internal/notify"
	"github.com/cybersanctions/tracker/internal/redact"
	"github.com/cybersanctions/tracker/internal/store"
)

// Defaults of a Dispatcher's zero fields.
const (
	DefaultAttempts   = 3
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = time.Minute
	DefaultLease      = 10 * time.Minute
)

// Dispatcher sends the outbox's due deliveries.
type Dispatcher struct {
	Store *store.Store
	// Notifiers by Name(). A delivery for a notifier not configured now
	// stays pending (with an error saying so) until it expires.
	Notifiers []notify.Notifier
	// MaxAge: pending deliveries older than this are expired, not sent.
	// Zero: never.
	MaxAge time.Duration
	// Attempts is how often one run tries a delivery that keeps failing
	// with a retryable error. Default 3.
	Attempts int
	// Backoff is the first wait between attempts, doubled each time, with
	// jitter, up to MaxBackoff. A longer Retry-After from the notifier ends
	// the run's attempts and is honoured by the next run instead.
	Backoff, MaxBackoff time.Duration
	// Lease is how long a delivery being sent is hidden from other
	// dispatchers (another process on the same database).
	Lease time.Duration
	// Secrets are removed from every error before it is logged or stored,
	// in case a notifier's error quotes its credential.
	Secrets []string
	Log     *slog.Logger
	Now     func() time.Time
	// Sleep waits between attempts; it returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Result is what one run did.
type Result struct {
	Sent    int       // deliveries completed in this run
	Expired int       // deliveries dropped for being older than MaxAge
	Skipped int       // not tried: an earlier delivery to the same channel failed, or another process holds it
	Failed  []Failure // deliveries left pending after failing in this run
}

// Failure is a delivery left pending by a run.
type Failure struct {
	Delivery   int64
	List       string
	SnapshotID int64 // 0: an operator notice
	Notifier   string
	Channel    string
	Err        error // redacted
}

func (f Failure) Error() string {
	return fmt.Sprintf("delivery %d (%s to %s): %v", f.Delivery, f.List, target(f.Notifier, f.Channel), f.Err)
}

func target(notifier, channel string) string {
	if channel == "" {
		return notifier
	}
	return notifier + " " + channel
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run expires stale deliveries, then sends every due one, oldest first.
// Delivery failures are recorded, logged and returned in the Result; the
// error is for what stops the run itself (the database, ctx).
func (d *Dispatcher) Run(ctx context.Context) (Result, error) {
	var res Result
	log := d.log()
	if d.MaxAge > 0 {
		expired, err := d.Store.Expire(ctx, d.now().Add(-d.MaxAge))
		if err != nil {
			return res, err
		}
		for _, e := range expired {
			log.Warn("alert expired unsent: older than notify.max_age", "list", e.List, "snapshot", e.SnapshotID, "delivery", e.ID,
				"notifier", e.Notifier, "channel", e.Channel, "created", e.CreatedAt.Format(time.RFC3339), "attempts", e.Attempts, "last_error", e.LastError)
		}
		res.Expired = len(expired)
	}
	due, err := d.Store.DueDeliveries(ctx, d.now())
	if err != nil {
		return res, err
	}
	// Alerts to one channel keep their order: once one fails, the later
	// ones wait for the next run rather than overtake it.
	blocked := map[[2]string]bool{}
	for _, dl := range due {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		key := [2]string{dl.Notifier, dl.Channel}
		if blocked[key] {
			res.Skipped++
			continue
		}
		sent, fail, err := d.deliver(ctx, dl)
		switch {
		case err != nil:
			return res, err
		case fail != nil:
			blocked[key] = true
			res.Failed = append(res.Failed, *fail)
		case sent:
			res.Sent++
		default:
			res.Skipped++
		}
	}
	return res, nil
}

// deliver sends one delivery, retrying retryable failures. It reports
// whether it was sent, or how it failed; err is for what must stop the run.
func (d *Dispatcher) deliver(ctx context.Context, dl store.Delivery) (sent bool, fail *Failure, err error) {
	log := d.log().With("list", dl.List, "snapshot", dl.SnapshotID, "delivery", dl.ID, "notifier", dl.Notifier, "channel", dl.Channel)
	lease := d.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	now := d.now()
	dl, err = d.Store.Claim(ctx, dl.ID, now, now.Add(lease))
	if errors.Is(err, store.ErrNotDue) {
		log.Debug("delivery taken by another dispatcher or no longer due")
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	n, a, err := d.prepare(dl)
	if err != nil {
		log.Error("alert not delivered", "err", err)
		return false, failure(dl, err), d.recordFailure(ctx, log, dl, err, d.now(), 0)
	}
	return d.send(ctx, log, dl, n, a, lease)
}

// prepare finds a claimed delivery's notifier and decodes its alert.
func (d *Dispatcher) prepare(dl store.Delivery) (notify.Notifier, notify.Alert, error) {
	var a notify.Alert
	n := d.notifier(dl.Notifier)
	if n == nil {
		return nil, a, fmt.Errorf("notifier %q is not configured; the delivery waits for it until it expires", dl.Notifier)
	}
	if err := json.Unmarshal(dl.Payload, &a); err != nil {
		return nil, a, fmt.Errorf("stored alert payload: %w", err)
	}
	return n, a, nil
}

func failure(dl store.Delivery, err error) *Failure {
	return &Failure{Delivery: dl.ID, List: dl.List, SnapshotID: dl.SnapshotID, Notifier: dl.Notifier, Channel: dl.Channel, Err: err}
}

// send gives a claimed delivery's alert to its notifier, recording every
// accepted part as it goes, and retries a retryable failure with backoff
// while the lease is kept, up to Attempts in this run.
func (d *Dispatcher) send(ctx context.Context, log *slog.Logger, dl store.Delivery, n notify.Notifier, a notify.Alert, lease time.Duration) (sent bool, fail *Failure, err error) {
	progress := notify.Progress{Sent: dl.Progress.Sent, Channel: dl.Progress.Channel, ThreadTS: dl.Progress.ThreadTS, LastTS: dl.Progress.LastTS}
	var recordErr error
	record := func(p notify.Progress) error {
		// Slack has accepted the message: record it even if the run is
		// being cancelled, or the next run sends it again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := d.Store.RecordProgress(rctx, dl.ID, toStore(p, false)); err != nil {
			recordErr = err
			return err
		}
		progress = p
		return nil
	}

	attempts := d.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for attempt := 1; ; attempt++ {
		err := n.Deliver(ctx, a, progress, record)
		if recordErr != nil {
			return false, nil, fmt.Errorf("delivery %d: %w", dl.ID, recordErr)
		}
		if err == nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			err := d.Store.RecordProgress(rctx, dl.ID, toStore(progress, true))
			cancel()
			if err != nil {
				return false, nil, err
			}
			log.Info("alert delivered", "parts", progress.Sent, "attempts", dl.Attempts+attempt)
			return true, nil, nil
		}
		if ctx.Err() != nil {
			// Shutdown, not the notifier: the lease runs out and the next
			// run resumes from the recorded progress.
			return false, nil, ctx.Err()
		}
		err = d.redact(err)
		if !notify.IsRetryable(err) {
			// Retrying cannot fix a bad token or a missing channel: the next
			// run tries again, once, after the operator fixed the config.
			log.Error("alert not delivered: will not retry in this run", "attempt", attempt, "err", err)
			return false, failure(dl, err), d.recordFailure(ctx, log, dl, err, d.now(), 0)
		}
		wait := d.backoff(dl.Attempts + attempt)
		if ne, ok := errors.AsType[*notify.Error](err); ok && ne.RetryAfter > 0 {
			wait = ne.RetryAfter
		}
		if attempt >= attempts || wait > d.maxBackoff() {
			log.Error("alert not delivered: stays queued for the next run", "attempt", attempt, "retry_in", wait.String(), "err", err)
			return false, failure(dl, err), d.recordFailure(ctx, log, dl, err, d.now().Add(wait), 0)
		}
		log.Warn("alert delivery failed: retrying", "attempt", attempt, "retry_in", wait.String(), "err", err)
		// The lease is kept through the wait.
		if err := d.recordFailure(ctx, log, dl, err, d.now().Add(wait), lease); err != nil {
			return false, nil, err
		}
		if err := d.sleep(ctx, wait); err != nil {
			return false, nil, err
		}
	}
}

// recordFailure counts a failed attempt; the delivery is due again at
// next, plus hold while this dispatcher keeps it.
func (d *Dispatcher) recordFailure(ctx context.Context, log *slog.Logger, dl store.Delivery, err error, next time.Time, hold time.Duration) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	record := d.Store.RecordFailure
	if hold > 0 {
		record = d.Store.RecordFailureHeld
	}
	if rerr := record(rctx, dl.ID, err.Error(), next.Add(hold)); rerr != nil {
		log.Error("recording the failed attempt failed", "err", rerr)
		return rerr
	}
	return nil
}

func (d *Dispatcher) notifier(name string) notify.Notifier {
	for _, n := range d.Notifiers {
		if n.Name() == name {
			return n
		}
	}
	return nil
}

func (d *Dispatcher) maxBackoff() time.Duration {
	if d.MaxBackoff > 0 {
		return d.MaxBackoff
	}
	return DefaultMaxBackoff
}

// backoff is the wait before attempt n+1 (see backoff.Wait).
func (d *Dispatcher) backoff(n int) time.Duration {
	base := d.Backoff
	if base <= 0 {
		base = DefaultBackoff
	}
	return backoff.Wait(n, base, d.maxBackoff())
}

func (d *Dispatcher) sleep(ctx context.Context, wait time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, wait)
	}
	return backoff.Sleep(ctx, wait)
}

// redact removes the configured secrets from an error's text, keeping
// whether it is retryable.
func (d *Dispatcher) redact(err error) error {
	msg := err.Error()
	clean := redact.New(d.Secrets...).String(msg)
	if clean == msg {
		return err
	}
	if ne, ok := errors.AsType[*notify.Error](err); ok {
		return &notify.Error{Retryable: ne.Retryable, RetryAfter: ne.RetryAfter, Err: errors.New(clean)}
	}
	return errors.New(clean)
}

func toStore(p notify.Progress, done bool) store.Progress {
	return store.Progress{Sent: p.Sent, Channel: p.Channel, ThreadTS: p.ThreadTS, LastTS: p.LastTS, Done: done}
}
