package daemon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cybersanctions/tracker/internal/backoff"
	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

// Mode is how often a list is checked.
type Mode string

const (
	// ModeFast: every fast interval (or the schedule, when sooner), since
	// the server answers an unchanged file with a 304 that moves no body.
	ModeFast Mode = "fast"
	// ModeSchedule: on the list's schedule, since every check may move
	// the whole file.
	ModeSchedule Mode = "schedule"
)

// Reasons for a list's mode, stable for /metrics and `doctor --format json`.
const (
	ReasonAdaptiveOff        = "adaptive_off"
	ReasonRegistryIgnores    = "server_ignores_validators"
	ReasonNeverChecked       = "never_checked"
	ReasonNoValidators       = "no_validators"
	ReasonValidatorsIgnored  = "validators_ignored"
	ReasonValidatorsHonoured = "validators_honoured"
	ReasonValidatorsUntested = "validators_untested"
)

// Polling is a list's polling mode and why.
type Polling struct {
	Mode   Mode   `json:"mode"`
	Reason string `json:"reason"` // one of the Reason constants
	Why    string `json:"why"`    // the reason in words, for people
	// Every is the fast interval in fast mode; 0 in schedule mode.
	Every time.Duration `json:"every,omitempty"`
}

// Decide is a list's polling mode from what its past checks showed (the
// store's PollFacts). A list is checked fast only while its server has
// shown validators and has not shown that it ignores them: its last
// successful check got an ETag or Last-Modified, and its last conditional
// check got a 304 (or a new publication), not the same file again. A server
// that sends validators but was never asked with them yet is given one
// fast check to show what it does.
func Decide(l ListSpec, f store.PollFacts) Polling {
	sched := func(reason, why string) Polling { return Polling{Mode: ModeSchedule, Reason: reason, Why: why} }
	fast := func(reason, why string) Polling {
		return Polling{Mode: ModeFast, Reason: reason, Why: why, Every: l.FastInterval}
	}
	at := func(c store.Check) string { return c.StartedAt.UTC().Format(time.RFC3339) }
	switch {
	case l.FastInterval <= 0:
		return sched(ReasonAdaptiveOff, fmt.Sprintf("adaptive polling is off (lists.%s.adaptive: false)", l.List.Name))
	case l.List.Polling.Validators == lists.ValidatorsIgnored:
		return sched(ReasonRegistryIgnores, "the publisher's server is known to ignore validators (list registry)")
	case f.LastSuccess.ID == 0:
		return sched(ReasonNeverChecked, "no successful check yet")
	case !f.LastSuccess.Validators:
		return sched(ReasonNoValidators, "the last successful check ("+at(f.LastSuccess)+") got no ETag or Last-Modified")
	case f.LastConditional.ID == 0:
		return fast(ReasonValidatorsUntested, "the server sends validators; the next conditional check shows whether it honours them")
	case f.LastConditional.NotModified:
		return fast(ReasonValidatorsHonoured, "the last conditional check ("+at(f.LastConditional)+") got 304 Not Modified")
	case f.LastConditional.Outcome == store.Stored:
		return fast(ReasonValidatorsHonoured, "the last conditional check ("+at(f.LastConditional)+") got a new publication")
	default:
		return sched(ReasonValidatorsIgnored, "the last conditional check ("+at(f.LastConditional)+") got the whole unchanged file instead of a 304")
	}
}

// Polling returns a list's polling mode, from its stored checks.
func (d *Daemon) Polling(ctx context.Context, l ListSpec) (Polling, error) {
	f, err := d.Store.PollFacts(ctx, l.List.Name)
	if err != nil {
		return Polling{}, err
	}
	return Decide(l, f), nil
}

// DefaultMinRequestGap is the floor between two checks of a list, and
// between two attempts at one URL: a good citizen asks no publisher more
// than once a minute per file, whatever the schedule says.
const DefaultMinRequestGap = time.Minute

// DefaultRetryBase is the first wait after a failed check; each further
// failure doubles it, up to the list's interval.
const DefaultRetryBase = time.Minute

func (d *Daemon) minGap() time.Duration {
	if d.minRequestGap > 0 {
		return d.minRequestGap
	}
	return DefaultMinRequestGap
}

func (d *Daemon) retryUnit() time.Duration {
	if d.retryBase > 0 {
		return d.retryBase
	}
	return DefaultRetryBase
}

func (d *Daemon) sleepFor(ctx context.Context, wait time.Duration) error {
	if d.sleep != nil {
		return d.sleep(ctx, wait)
	}
	return backoff.Sleep(ctx, wait)
}

// loop checks one list until ctx ends: at start (with InitialRun), then
// after each check at the time next says.
func (d *Daemon) loop(ctx context.Context, l ListSpec) {
	var wait time.Duration
	if !d.InitialRun {
		now := d.Now()
		wait = d.schedules[l.List.Name].Next(now).Sub(now) + d.jitter(ModeSchedule, l)
	}
	for {
		d.setNext(l.List.Name, d.Now().Add(max(wait, 0)))
		if err := d.sleepFor(ctx, max(wait, 0)); err != nil {
			return
		}
		r, ok := d.scheduled(ctx, l)
		if !ok {
			return
		}
		wait = d.next(ctx, l, r)
	}
}

// jitter is the random delay added to a check: up to Jitter on the
// schedule, and up to a quarter of the fast interval (at most Jitter) in
// fast mode, so that fast checks stay fast.
func (d *Daemon) jitter(m Mode, l ListSpec) time.Duration {
	j := d.Jitter
	if m == ModeFast {
		j = min(j, l.FastInterval/4)
	}
	if j <= 0 {
		return 0
	}
	return rand.N(j)
}

// next is the wait from now until the list's next check after r:
//   - after a failure, backoff from retryBase doubling up to the list's
//     interval (never past its next scheduled time), but no sooner than
//     the server's Retry-After;
//   - in fast mode, the fast interval or the schedule, whichever is sooner;
//   - in schedule mode, the schedule;
//   - never sooner than the server's Cache-Control max-age (up to the
//     schedule) or the floor of one check a minute.
func (d *Daemon) next(ctx context.Context, l ListSpec, r CheckResult) time.Duration {
	now := d.Now()
	sched := d.schedules[l.List.Name]
	untilSched := sched.Next(now).Sub(now)
	var wait time.Duration
	mode := ModeSchedule
	if r.Outcome == store.Failed {
		interval := max(Interval(sched, now), d.retryUnit())
		wait = min(backoff.Wait(max(r.Failures, 1), d.retryUnit(), interval), untilSched)
		var se *fetch.StatusError
		if errors.As(r.Err, &se) && se.RetryAfter > wait {
			wait = min(se.RetryAfter, interval)
		}
	} else {
		p, err := d.Polling(ctx, l)
		if err != nil {
			d.Log.Error("reading the list's polling facts failed: keeping its schedule", "list", l.List.Name, "err", err)
		}
		mode = p.Mode
		wait = untilSched
		if mode == ModeFast {
			wait = min(wait, l.FastInterval)
		}
		if r.MaxAge > wait {
			wait = min(r.MaxAge, untilSched)
		}
		wait += d.jitter(mode, l)
		if p.Mode != d.lastMode(l.List.Name, p.Mode) {
			d.Log.Info("polling mode", "list", l.List.Name, "mode", string(p.Mode), "why", p.Why)
		}
	}
	// The floor counts from the check's start: a long download is no
	// reason to ask again at once.
	if floor := d.minGap() - now.Sub(r.StartedAt); wait < floor {
		wait = floor
	}
	d.Log.Debug("next check", "list", l.List.Name, "in", wait.Round(time.Millisecond).String(), "mode", string(mode), "outcome", string(r.Outcome))
	return wait
}

// lastMode records m as the list's mode and returns the one before it,
// so that a change of mode is logged once.
func (d *Daemon) lastMode(list string, m Mode) Mode {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.modes == nil {
		d.modes = map[string]Mode{}
	}
	prev, ok := d.modes[list]
	d.modes[list] = m
	if !ok {
		return ""
	}
	return prev
}

func (d *Daemon) setNext(list string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.nextAt == nil {
		d.nextAt = map[string]time.Time{}
	}
	d.nextAt[list] = at
}

// NextCheck returns when the running daemon checks a list next, and its
// polling mode then; a zero time when it does not follow the list or has
// not planned it yet.
func (d *Daemon) NextCheck(list string) (time.Time, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.nextAt[list]
	if !ok {
		return time.Time{}, ""
	}
	how := "planned by the daemon"
	if m, ok := d.modes[list]; ok {
		how += ", " + string(m) + " polling"
	}
	return at, how
}
