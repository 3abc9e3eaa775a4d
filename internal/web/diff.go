package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/permalink"
	"github.com/cybersanctions/tracker/internal/store"
)

type diffData struct {
	List      string    `json:"list"`
	Publisher string    `json:"publisher"`
	From      snapRef   `json:"from"`
	To        snapRef   `json:"to"`
	Counts    diffCount `json:"counts"`
	Changes   []diffRow `json:"changes"`
}

type diffCount struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Amended int `json:"amended"`
}

type diffRow struct {
	Kind           string                `json:"kind"`
	ID             string                `json:"id"`
	Name           string                `json:"name"`
	EntityKind     string                `json:"entity_kind,omitempty"`
	Programs       []string              `json:"programs"`
	Fields         []tracker.FieldChange `json:"fields,omitempty"`
	DesignationURL string                `json:"designation_url"`
}

// diff shows every change between two snapshots of a list:
// /lists/L/diff/FROM/TO, or /lists/L/snapshots/ID/diff against the
// snapshot before ID.
func (s *Server) diff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list := r.PathValue("list")
	st := s.opts.Store
	var from, to *tracker.Snapshot
	if r.PathValue("id") != "" {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.fail(w, r, http.StatusNotFound, "no such snapshot")
			return
		}
		if to, err = s.snapshotOf(r, list, id); err != nil {
			s.failStore(w, r, err)
			return
		}
		if from, err = st.Before(ctx, to); err != nil {
			s.failStore(w, r, fmt.Errorf("%s is the first snapshot of %s: nothing to compare it with: %w", to.Label(), list, err))
			return
		}
	} else {
		ids := [2]int64{}
		for i, p := range []string{"from", "to"} {
			id, err := strconv.ParseInt(r.PathValue(p), 10, 64)
			if err != nil {
				s.fail(w, r, http.StatusNotFound, "no such snapshot")
				return
			}
			ids[i] = id
		}
		var err error
		if from, err = s.snapshotOf(r, list, ids[0]); err != nil {
			s.failStore(w, r, err)
			return
		}
		if to, err = s.snapshotOf(r, list, ids[1]); err != nil {
			s.failStore(w, r, err)
			return
		}
	}
	changes, err := st.Diff(ctx, from, to)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	d := diffData{List: list, Publisher: publisher(list), From: *ref(from, 0), To: *ref(to, 0), Changes: []diffRow{}}
	rows := [][]string{{"kind", "id", "name", "entity_kind", "programs", "field", "before", "after", "designation_url"}}
	for _, c := range changes {
		switch c.Kind {
		case tracker.Added:
			d.Counts.Added++
		case tracker.Removed:
			d.Counts.Removed++
		case tracker.Amended:
			d.Counts.Amended++
		}
		row := diffRow{Kind: string(c.Kind), ID: c.ID, Name: c.Name, EntityKind: string(c.EntityKind), Programs: c.Programs,
			Fields: c.Fields, DesignationURL: permalink.Designation(list, c.ID)}
		d.Changes = append(d.Changes, row)
		base := []string{row.Kind, row.ID, row.Name, row.EntityKind, strings.Join(row.Programs, " ")}
		if len(c.Fields) == 0 {
			rows = append(rows, append(base, "", "", "", row.DesignationURL))
		}
		for _, f := range c.Fields {
			rows = append(rows, append(append([]string{}, base...), f.Field, strings.Join(f.Before, "; "), strings.Join(f.After, "; "), row.DesignationURL))
		}
	}
	title := fmt.Sprintf("%s: snapshot %d → %d", list, from.ID, to.ID)
	s.render(w, r, view{page: "diff", title: title, data: d, csv: rows, file: fmt.Sprintf("%s-diff-%d-%d", list, from.ID, to.ID)})
}

// snapshotOf returns snapshot id when it belongs to list: a permalink
// names both, and one must not show another list's snapshot under it.
func (s *Server) snapshotOf(r *http.Request, list string, id int64) (*tracker.Snapshot, error) {
	sn, err := s.opts.Store.Snapshot(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if sn.List != list {
		return nil, fmt.Errorf("snapshot %d is of list %s, not %s: %w", id, sn.List, list, store.ErrNotFound)
	}
	return sn, nil
}
