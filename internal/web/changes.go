package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/permalink"
	"github.com/cybersanctions/tracker/internal/store"
)

// PageSize is the timeline's default rows per page; per_page may ask for
// up to MaxPageSize.
const (
	PageSize    = 50
	MaxPageSize = 1000
)

// changeRow is one row of the timeline.
type changeRow struct {
	Snapshot       int64    `json:"snapshot"`
	Previous       int64    `json:"previous_snapshot"`
	Date           string   `json:"date"`
	List           string   `json:"list"`
	Kind           string   `json:"kind"`
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	EntityKind     string   `json:"entity_kind,omitempty"`
	Programs       []string `json:"programs"`
	Fields         []string `json:"fields,omitempty"`
	DesignationURL string   `json:"designation_url"`
	DiffURL        string   `json:"diff_url"`
}

// changesFilter is the timeline's query string, read and checked.
type changesFilter struct {
	List    string `json:"list,omitempty"`
	Regime  string `json:"regime"` // cyber (default), all, or a programme
	Kind    string `json:"kind,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
}

type changesData struct {
	Filter  changesFilter `json:"filter"`
	Rows    []changeRow   `json:"changes"`
	Lists   []string      `json:"-"`
	Kinds   []string      `json:"-"`
	PrevURL string        `json:"prev_url,omitempty"`
	NextURL string        `json:"next_url,omitempty"`
}

func parseChangesFilter(q url.Values) (changesFilter, error) {
	f := changesFilter{List: q.Get("list"), Regime: q.Get("regime"), Kind: q.Get("kind"),
		From: q.Get("from"), To: q.Get("to"), Page: 1, PerPage: PageSize}
	if f.Regime == "" {
		f.Regime = "cyber"
	}
	switch tracker.ChangeKind(f.Kind) {
	case "", tracker.Added, tracker.Removed, tracker.Amended:
	default:
		return f, fmt.Errorf("kind %q: want added, removed or amended", f.Kind)
	}
	for _, d := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d.v); err != nil {
			return f, fmt.Errorf("%s %q: want YYYY-MM-DD", d.name, d.v)
		}
	}
	for _, n := range []struct {
		name    string
		dst     *int
		max     int
		present bool
	}{{"page", &f.Page, 1 << 20, q.Has("page")}, {"per_page", &f.PerPage, MaxPageSize, q.Has("per_page")}} {
		if !n.present {
			continue
		}
		v, err := strconv.Atoi(q.Get(n.name))
		if err != nil || v < 1 || v > n.max {
			return f, fmt.Errorf("%s %q: want a number from 1 to %d", n.name, q.Get(n.name), n.max)
		}
		*n.dst = v
	}
	return f, nil
}

func (f changesFilter) url(page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"list": f.List, "regime": f.Regime, "kind": f.Kind, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.PerPage != PageSize {
		q.Set("per_page", strconv.Itoa(f.PerPage))
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return "/changes?" + q.Encode()
}

func (s *Server) changes(w http.ResponseWriter, r *http.Request) {
	f, err := parseChangesFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	names, err := s.lists(r.Context())
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	q := store.TimelineQuery{List: f.List, Kind: tracker.ChangeKind(f.Kind), From: f.From, To: f.To,
		Limit: f.PerPage + 1, Offset: (f.Page - 1) * f.PerPage}
	switch f.Regime {
	case "all":
	case "cyber":
		q.Regimes = []string{}
		for _, l := range names {
			if f.List == "" || f.List == l {
				for _, rg := range s.opts.Regimes(l) {
					if !slices.Contains(q.Regimes, rg) {
						q.Regimes = append(q.Regimes, rg)
					}
				}
			}
		}
	default:
		q.Regimes = []string{f.Regime}
	}
	entries, err := s.opts.Store.Timeline(r.Context(), q)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	d := changesData{Filter: f, Rows: []changeRow{}, Lists: names, Kinds: []string{"added", "removed", "amended"}}
	if len(entries) > f.PerPage {
		entries = entries[:f.PerPage]
		d.NextURL = f.url(f.Page + 1)
	}
	if f.Page > 1 {
		d.PrevURL = f.url(f.Page - 1)
	}
	rows := [][]string{{"snapshot", "previous_snapshot", "date", "list", "kind", "id", "name", "entity_kind", "programs", "fields", "designation_url", "diff_url"}}
	for _, e := range entries {
		c := e.Change
		row := changeRow{Snapshot: e.Snapshot.ID, Previous: e.Previous, Date: snapshotDate(e.Snapshot), List: c.List,
			Kind: string(c.Kind), ID: c.ID, Name: c.Name, EntityKind: string(c.EntityKind), Programs: c.Programs,
			DesignationURL: permalink.Designation(c.List, c.ID), DiffURL: permalink.Diff(c.List, e.Previous, e.Snapshot.ID)}
		for _, fc := range c.Fields {
			row.Fields = append(row.Fields, fc.Field)
		}
		d.Rows = append(d.Rows, row)
		rows = append(rows, []string{strconv.FormatInt(row.Snapshot, 10), strconv.FormatInt(row.Previous, 10), row.Date, row.List,
			row.Kind, row.ID, row.Name, row.EntityKind, strings.Join(row.Programs, " "), strings.Join(row.Fields, " "),
			row.DesignationURL, row.DiffURL})
	}
	s.render(w, r, view{page: "changes", title: "Changes", data: d, csv: rows, file: "changes"})
}
