// Package notify delivers alerts about list changes to people: Slack (bot
// token or incoming webhook) and stdout (text or JSON lines).
//
// A notifier does not store anything. The outbox that calls it keeps a
// Progress per delivery and persists it through the record callback after
// every message the service accepted, so a delivery that failed half-way
// resumes at the next message instead of sending the first ones again. That
// only works because rendering is deterministic: the same Alert always
// renders the same messages in the same order.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cybersanctions/tracker"
)

// Alert is what one delivery sends: the changes of one snapshot for one
// target, or an operator notice.
type Alert struct {
	List        string // "ofac-sdn"
	Publisher   string // "US OFAC (SDN List)": for the header
	SnapshotID  int64
	PublishedAt string // the list's own date, may be ""
	// FetchedAt (RFC 3339, UTC) is when tracker fetched or imported a
	// publication that states no date of its own: the alert says so
	// rather than passing the fetch time off as a publication date.
	FetchedAt string `json:",omitempty"`
	Channel   string // Slack channel for this delivery ("" = the notifier's default)
	Changes   []tracker.Change
	// WebBase is the web view's address (web.base_url), "" without one:
	// each designation and the snapshot's changes then link to its pages.
	WebBase string `json:",omitempty"`
	// Operator, when set, makes this an operator notice (a list failing,
	// recovered, quarantined) instead of changes.
	Operator string
	// Screening, when set, makes this a screening alert: a designation of
	// List that may be one of the team's counterparties.
	Screening *ScreeningHit `json:",omitempty"`
}

// Progress is how far a delivery got. The outbox stores it after every
// accepted message so that a retry resumes and never resends.
type Progress struct {
	Sent     int    // messages accepted so far
	Channel  string // the channel id the first message went to (Slack token mode)
	ThreadTS string // the first message's ts: later messages are replies to it
	LastTS   string // the ts of the last accepted message
}

// Notifier delivers alerts.
type Notifier interface {
	// Name identifies the notifier in the outbox and in logs.
	Name() string
	// Deliver sends the alert's messages starting at p.Sent, calling record
	// after each message the service accepted; it stops at the first
	// failure and returns it, always as an *Error. An alert whose messages
	// were all sent already (p.Sent at the end) sends nothing.
	Deliver(ctx context.Context, a Alert, p Progress, record func(Progress) error) error
}

// Error classifies a failure for the dispatcher's retry policy.
type Error struct {
	// Retryable: the same delivery may succeed later (rate limit, server
	// error, network, cancellation). Not retryable: it will fail the same
	// way until someone fixes the configuration (bad token, unknown channel)
	// or the code.
	Retryable bool
	// RetryAfter is the wait the service asked for; 0 when it said nothing.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "notify: delivery failed"
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth retrying. Errors that are not an
// *Error (which Deliver never returns) count as retryable: losing an alert
// is worse than trying once more.
func IsRetryable(err error) bool {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Retryable
	}
	return err != nil
}

// recordFailed wraps a failure of the record callback. The message was
// accepted but its progress is not stored: a retry will send it again,
// which is the lesser evil against skipping it.
func recordFailed(sent, total int, err error) *Error {
	return &Error{Retryable: true, Err: fmt.Errorf("notify: record progress after message %d of %d: %w", sent, total, err)}
}

// canceled reports a context that ended before a message went out; the
// delivery is intact and resumes later.
func canceled(ctx context.Context, name string, next, total int) *Error {
	return &Error{Retryable: true, Err: fmt.Errorf("%s: stopped before message %d of %d: %w", name, next, total, context.Cause(ctx))}
}
