package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/permalink"
)

// version is one stored version of a designation and how it differs from
// the one before.
type version struct {
	Event string   `json:"event"` // listed, amended, relisted
	From  snapRef  `json:"from"`
	Until *snapRef `json:"until,omitempty"` // nil: still listed in the latest snapshot
	// Removed: the list dropped the designation at Until (no version
	// follows it there).
	Removed bool                  `json:"removed,omitempty"`
	Fields  []tracker.FieldChange `json:"fields,omitempty"`
	DiffURL string                `json:"diff_url,omitempty"`
}

type designationData struct {
	List      string          `json:"list"`
	Publisher string          `json:"publisher"`
	Listed    bool            `json:"listed"` // in the list's latest snapshot
	Entity    *tracker.Entity `json:"entity"`
	Addresses []string        `json:"-"`
	// Official are the publisher's pages about the designation.
	Official []link `json:"official"`
	// AlsoListed are the same designation on other authorities' lists
	// (cross-list links), each with why it is the same.
	AlsoListed []alsoListed `json:"also_listed,omitempty"`
	Versions   []version    `json:"versions"`
}

// alsoListed is a linked designation, with its page here.
type alsoListed struct {
	tracker.Listing
	URL string `json:"url"`
}

type link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

func (s *Server) designation(w http.ResponseWriter, r *http.Request) {
	list, id := r.PathValue("list"), r.PathValue("id")
	vs, err := s.opts.Store.EntityVersions(r.Context(), list, id)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	if len(vs) == 0 {
		s.fail(w, r, http.StatusNotFound, "list "+list+" has no designation "+id)
		return
	}
	cur := vs[len(vs)-1]
	d := designationData{List: list, Publisher: publisher(list), Listed: cur.Until == nil, Entity: cur.Entity,
		Official: official(list, cur.Entity)}
	for _, a := range cur.Entity.Addresses {
		d.Addresses = append(d.Addresses, a.String())
	}
	links, err := s.opts.Store.AlsoListed(r.Context(), list, id)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	for _, l := range links {
		d.AlsoListed = append(d.AlsoListed, alsoListed{Listing: l, URL: permalink.Designation(l.List, l.ID)})
	}
	rows := [][]string{{"from_snapshot", "from_date", "until_snapshot", "until_date", "event", "field", "before", "after"}}
	for i, v := range vs {
		ver := version{Event: "listed", From: *ref(&v.From, 0)}
		if v.Until != nil {
			ver.Until = ref(v.Until, 0)
			ver.Removed = i == len(vs)-1 || vs[i+1].From.ID != v.Until.ID
		}
		if i > 0 {
			prev := vs[i-1]
			if prev.Until != nil && prev.Until.ID == v.From.ID {
				ver.Event = "amended"
				ver.Fields = diff.Fields(prev.Entity, v.Entity)
				ver.DiffURL = permalink.Diff(list, prev.From.ID, v.From.ID)
				if before, err := s.opts.Store.Before(r.Context(), &v.From); err == nil {
					ver.DiffURL = permalink.Diff(list, before.ID, v.From.ID)
				}
			} else {
				ver.Event = "relisted"
				ver.Fields = diff.Fields(prev.Entity, v.Entity)
			}
		}
		d.Versions = append(d.Versions, ver)
		untilID, untilDate := "", ""
		if ver.Until != nil {
			untilID, untilDate = strconv.FormatInt(ver.Until.ID, 10), ver.Until.Date
		}
		base := []string{strconv.FormatInt(ver.From.ID, 10), ver.From.Date, untilID, untilDate, ver.Event}
		if len(ver.Fields) == 0 {
			rows = append(rows, append(base, "", "", ""))
		}
		for _, f := range ver.Fields {
			rows = append(rows, append(append([]string{}, base...), f.Field, strings.Join(f.Before, "; "), strings.Join(f.After, "; ")))
		}
	}
	s.render(w, r, view{page: "designation", title: cur.Entity.Name, data: d, csv: rows, file: list + "-" + id})
}

// official returns the publisher's pages of a designation: the notices
// the list itself links (EU regulations), and OFAC's search page, whose
// address is its ent_num.
func official(list string, e *tracker.Entity) []link {
	var out []link
	if strings.HasPrefix(list, "ofac-") {
		out = append(out, link{"OFAC Sanctions List Search", "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=" + url.QueryEscape(e.ID)})
	}
	for _, n := range e.Notices {
		if u, err := url.Parse(n.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			title := strings.TrimSpace(n.Title + " " + n.Date)
			if title == "" {
				title = n.URL
			}
			out = append(out, link{title, n.URL})
		}
	}
	return out
}
