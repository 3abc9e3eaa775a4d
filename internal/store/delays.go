package store

import (
	"context"
	"fmt"
	"time"
)

// Bases of a detection delay: what the publisher's time is.
const (
	// BasisLastModified: the server's Last-Modified, to the second.
	BasisLastModified = "last_modified"
	// BasisPublishedDate: the list's own date, midnight UTC: a day's
	// precision, so such delays read "within the day".
	BasisPublishedDate = "published_date"
)

// Delay is one publication's delay on its way to an alert.
type Delay struct {
	List    string
	Basis   string // for detection delays: BasisLastModified or BasisPublishedDate
	Seconds float64
}

// downloaded limits a query on snapshots s to those a check downloaded:
// an import's fetch time says when an operator ran it, not when the
// tracker could first have seen the publication.
const downloaded = `EXISTS (SELECT 1 FROM checks c WHERE c.snapshot_id = s.id AND c.outcome = 'stored')`

// DetectionDelays returns, for every active snapshot a check downloaded
// but the list's first (a baseline, seen when the tracker was set up), how
// long after the publisher's change the tracker first saw it: its
// fetched_at less its Last-Modified, else less its own publication date.
// A snapshot with neither has no delay to tell.
func (s *Store) DetectionDelays(ctx context.Context) ([]Delay, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.list, s.fetched_at, s.modified_at, s.published_at FROM snapshots s
		WHERE s.status = 'active' AND (s.modified_at <> '' OR s.published_at <> '') AND `+downloaded+`
		  AND EXISTS (SELECT 1 FROM snapshots p WHERE p.list = s.list AND p.id < s.id) ORDER BY s.id`)
	if err != nil {
		return nil, fmt.Errorf("detection delays: %w", err)
	}
	return scanAll(rows, func(row scanner) (Delay, error) {
		var d Delay
		var fetched, modified, published string
		if err := row.Scan(&d.List, &fetched, &modified, &published); err != nil {
			return Delay{}, fmt.Errorf("detection delays: %w", err)
		}
		seen, err := parseTime(fetched)
		if err != nil {
			return Delay{}, err
		}
		var from time.Time
		if modified != "" {
			d.Basis = BasisLastModified
			from, err = parseTime(modified)
		} else {
			d.Basis = BasisPublishedDate
			from, err = time.Parse(time.DateOnly, published)
		}
		if err != nil {
			return Delay{}, fmt.Errorf("detection delays: %w", err)
		}
		// A clock ahead of ours is no negative delay.
		d.Seconds = max(seen.Sub(from).Seconds(), 0)
		return d, nil
	})
}

// DeliveryDelays returns, for every alert sent about a snapshot a check
// downloaded, how long after the tracker first saw the snapshot the
// notifier accepted the alert's last part.
func (s *Store) DeliveryDelays(ctx context.Context) ([]Delay, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.list, s.fetched_at, d.sent_at FROM deliveries d JOIN snapshots s ON s.id = d.snapshot_id
		WHERE d.status = 'sent' AND d.sent_at <> '' AND `+downloaded+` ORDER BY d.id`)
	if err != nil {
		return nil, fmt.Errorf("delivery delays: %w", err)
	}
	return scanAll(rows, func(row scanner) (Delay, error) {
		var d Delay
		var fetched, sent string
		if err := row.Scan(&d.List, &fetched, &sent); err != nil {
			return Delay{}, fmt.Errorf("delivery delays: %w", err)
		}
		seen, err := parseTime(fetched)
		if err != nil {
			return Delay{}, err
		}
		accepted, err := time.Parse(outboxTimeFormat, sent)
		if err != nil {
			return Delay{}, fmt.Errorf("delivery delays: sent_at %q: %w", sent, err)
		}
		d.Seconds = max(accepted.Sub(seen).Seconds(), 0)
		return d, nil
	})
}

// AlertSentAt returns when each snapshot's alerts were all accepted: the
// latest sent_at of its deliveries, for snapshots whose every delivery
// was sent. Snapshots with none, or with some still pending, are absent.
func (s *Store) AlertSentAt(ctx context.Context) (map[int64]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT snapshot_id, max(sent_at) FROM deliveries WHERE snapshot_id IS NOT NULL
		GROUP BY snapshot_id HAVING sum(status <> 'sent') = 0`)
	if err != nil {
		return nil, fmt.Errorf("alerts sent: %w", err)
	}
	type row struct {
		id int64
		at time.Time
	}
	got, err := scanAll(rows, func(r scanner) (row, error) {
		var out row
		var sent string
		if err := r.Scan(&out.id, &sent); err != nil {
			return row{}, fmt.Errorf("alerts sent: %w", err)
		}
		t, err := time.Parse(outboxTimeFormat, sent)
		if err != nil {
			return row{}, fmt.Errorf("alerts sent: sent_at %q: %w", sent, err)
		}
		out.at = t
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	m := make(map[int64]time.Time, len(got))
	for _, r := range got {
		m[r.id] = r.at
	}
	return m, nil
}
