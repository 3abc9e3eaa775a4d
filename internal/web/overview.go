package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/permalink"
	"github.com/cybersanctions/tracker/internal/store"
)

// snapRef names a snapshot on a page.
type snapRef struct {
	ID       int64  `json:"id"`
	Date     string `json:"date"`
	Entities int    `json:"entities"`
	DiffURL  string `json:"diff_url,omitempty"`
}

func ref(sn *tracker.Snapshot, prev int64) *snapRef {
	if sn == nil {
		return nil
	}
	r := &snapRef{ID: sn.ID, Date: snapshotDate(*sn), Entities: sn.EntityCount}
	if prev != 0 {
		r.DiffURL = permalink.Diff(sn.List, prev, sn.ID)
	}
	return r
}

// listStatus is one list on the overview.
type listStatus struct {
	List      string `json:"list"`
	Publisher string `json:"publisher"`
	// Status is ok, failing, quarantined or unchecked (snapshots only
	// imported, or nothing yet).
	Status       string    `json:"status"`
	StatusText   string    `json:"status_text"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	Failures     int       `json:"consecutive_failures"`
	LastError    string    `json:"last_error,omitempty"`
	Latest       *snapRef  `json:"latest,omitempty"`
	LastChange   *snapRef  `json:"last_change,omitempty"`
	Quarantined  *snapRef  `json:"quarantined,omitempty"`
	NextCheck    time.Time `json:"next_check,omitzero"`
	NextCheckHow string    `json:"next_check_how,omitempty"`
	// SnapshotsURL lists the list's snapshots.
	SnapshotsURL string `json:"snapshots_url"`
	ChangesURL   string `json:"changes_url"`
}

type overviewData struct {
	Now   time.Time    `json:"now"`
	Lists []listStatus `json:"lists"`
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	names, err := s.lists(ctx)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	d := overviewData{Now: s.opts.Now().UTC(), Lists: []listStatus{}}
	for _, name := range names {
		ls, err := s.listStatus(r, name)
		if err != nil {
			s.failStore(w, r, err)
			return
		}
		d.Lists = append(d.Lists, ls)
	}
	rows := [][]string{{"list", "publisher", "status", "status_text", "last_success", "last_attempt", "failing_since",
		"latest_snapshot", "latest_date", "last_change_snapshot", "last_change_date", "quarantined_snapshot", "next_check"}}
	for _, l := range d.Lists {
		rows = append(rows, []string{l.List, l.Publisher, l.Status, l.StatusText, rfc3339(l.LastSuccess), rfc3339(l.LastAttempt),
			rfc3339(l.FailingSince), refID(l.Latest), refDate(l.Latest), refID(l.LastChange), refDate(l.LastChange),
			refID(l.Quarantined), rfc3339(l.NextCheck)})
	}
	s.render(w, r, view{page: "overview", title: "Lists", data: d, csv: rows, file: "lists"})
}

func refID(r *snapRef) string {
	if r == nil {
		return ""
	}
	return strconv.FormatInt(r.ID, 10)
}

func refDate(r *snapRef) string {
	if r == nil {
		return ""
	}
	return r.Date
}

func (s *Server) listStatus(r *http.Request, name string) (listStatus, error) {
	ctx := r.Context()
	st := s.opts.Store
	ls := listStatus{List: name, Publisher: publisher(name), SnapshotsURL: permalink.Snapshots(name),
		ChangesURL: "/changes?list=" + url.QueryEscape(name)}
	state, err := st.ListState(ctx, name)
	if err != nil {
		return ls, err
	}
	ls.LastSuccess, ls.LastAttempt, ls.Failures = state.LastSuccess, state.LastAttempt, state.ConsecutiveFailures
	ls.FailingSince, ls.LastError = state.FailingSince, state.LastError
	latest, err := st.Latest(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ls, err
	}
	ls.Latest = ref(latest, 0)
	changed, err := st.LastChanged(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ls, err
	}
	if changed != nil {
		prev, err := st.Before(ctx, changed)
		var p int64
		if err == nil {
			p = prev.ID
		} else if !errors.Is(err, store.ErrNotFound) {
			return ls, err
		}
		ls.LastChange = ref(changed, p)
	}
	q, err := st.PendingQuarantine(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ls, err
	}
	ls.Quarantined = ref(q, 0)
	if s.opts.NextCheck != nil {
		ls.NextCheck, ls.NextCheckHow = s.opts.NextCheck(name)
	}
	switch {
	case state.ConsecutiveFailures > 0:
		ls.Status = "failing"
		ls.StatusText = fmt.Sprintf("failing since %s (%d checks): %s", day(state.FailingSince), state.ConsecutiveFailures, state.LastError)
	case q != nil:
		ls.Status = "quarantined"
		ls.StatusText = fmt.Sprintf("snapshot %d quarantined, waiting for 'tracker accept %d': %s", q.ID, q.ID, q.Note)
	case !state.LastSuccess.IsZero():
		ls.Status = "ok"
		ls.StatusText = "ok"
	default:
		ls.Status = "unchecked"
		ls.StatusText = "never checked by the daemon"
		if latest != nil {
			ls.StatusText += " (snapshots imported)"
		}
	}
	return ls, nil
}
