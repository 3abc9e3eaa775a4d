package store

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/match"
)

func saveList(t *testing.T, s *Store, list, published string, es ...*tracker.Entity) *SaveResult {
	t.Helper()
	for _, e := range es {
		e.Canonicalize()
	}
	res, err := s.SaveSnapshot(context.Background(), NewSnapshot{List: list, Source: "test", PublishedAt: published, RawSHA256: list + published, Entities: es})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func linkPerson(id, name, dob string, programs ...string) *tracker.Entity {
	return &tracker.Entity{ID: id, Kind: tracker.KindPerson, Name: name, BirthDates: []string{dob}, Programs: programs, Designated: "2024-03-25"}
}

func linked(t *testing.T, s *Store, list, id string) []string {
	t.Helper()
	ls, err := s.AlsoListed(context.Background(), list, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		state := "listed"
		if !l.StillListed {
			state = "until " + l.ListedUntil
		}
		out = append(out, l.List+" "+l.ID+" "+state+" ("+l.Reason+")")
	}
	return out
}

// TestLinksIncremental follows links through a history of two lists: a
// designation linked when its counterpart appears on the other list, the
// link dropped when an amendment contradicts it, a delisting kept as "was
// listed until", and the changes of a new snapshot carrying AlsoListed.
func TestLinksIncremental(t *testing.T) {
	s := openTest(t)
	zhao := linkPerson("CYB0045", "Guangzong ZHAO", "1985-11-12", "Cyber")
	namesake := linkPerson("CYB0099", "Wei WANG", "1980-01-01", "Cyber")
	saveList(t, s, "uk-sanctions-list", "2024-03-25", zhao, namesake)

	saveList(t, s, "ofac-sdn", "2024-03-24", linkPerson("1", "PETROV, Ivan", "1970-01-01", "SDGT"))
	res := saveList(t, s, "ofac-sdn", "2024-03-25",
		linkPerson("1", "PETROV, Ivan", "1970-01-01", "SDGT"),
		linkPerson("47814", "ZHAO, Guangzong", "1985-11-12", "CYBER2"),
		linkPerson("47900", "WANG, Wei", "1975-05-05", "CYBER2"), // a namesake: other birth date
	)
	want := []string{"uk-sanctions-list CYB0045 listed (same name and birth date)"}
	if got := linked(t, s, "ofac-sdn", "47814"); !slices.Equal(got, want) {
		t.Errorf("ZHAO linked to %q, want %q", got, want)
	}
	if got := linked(t, s, "ofac-sdn", "47900"); len(got) != 0 {
		t.Errorf("namesake linked to %q", got)
	}
	if got := linked(t, s, "uk-sanctions-list", "CYB0045"); !slices.Equal(got, []string{"ofac-sdn 47814 listed (same name and birth date)"}) {
		t.Errorf("the link is not stored both ways: %q", got)
	}
	for _, c := range res.Changes {
		switch c.ID {
		case "47814":
			if len(c.AlsoListed) != 1 || c.AlsoListed[0].ID != "CYB0045" || c.AlsoListed[0].Designated != "2024-03-25" || len(c.NotListedBy) != 0 {
				t.Errorf("change of ZHAO: also listed %+v, not listed by %q", c.AlsoListed, c.NotListedBy)
			}
		case "47900":
			if len(c.AlsoListed) != 0 || !slices.Equal(c.NotListedBy, []string{"uk-sanctions-list"}) {
				t.Errorf("change of the namesake: also listed %+v, not listed by %q", c.AlsoListed, c.NotListedBy)
			}
		}
	}

	// The UK delists ZHAO: the link stays, as "listed until".
	saveList(t, s, "uk-sanctions-list", "2024-06-01", namesake)
	if got := linked(t, s, "ofac-sdn", "47814"); !slices.Equal(got, []string{"uk-sanctions-list CYB0045 until 2024-06-01 (same name and birth date)"}) {
		t.Errorf("after the UK delisting: %q", got)
	}

	// OFAC amends ZHAO's programmes only: nothing linking reads changed,
	// the link stays, found by the same snapshot, and the amendment
	// carries it.
	foundBy := func() (id int64) {
		t.Helper()
		if err := s.r.QueryRowContext(context.Background(), `SELECT snapshot_id FROM links WHERE list = 'ofac-sdn' AND entity_id = '47814'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	before := foundBy()
	res = saveList(t, s, "ofac-sdn", "2024-06-15",
		linkPerson("1", "PETROV, Ivan", "1970-01-01", "SDGT"),
		linkPerson("47814", "ZHAO, Guangzong", "1985-11-12", "CYBER2", "SDGT"),
		linkPerson("47900", "WANG, Wei", "1975-05-05", "CYBER2"),
	)
	if len(res.Changes) != 1 || res.Changes[0].Kind != tracker.Amended || len(res.Changes[0].AlsoListed) != 1 ||
		res.Changes[0].AlsoListed[0].ListedUntil != "2024-06-01" {
		t.Errorf("programmes amended: changes %+v", res.Changes)
	}
	if got := linked(t, s, "uk-sanctions-list", "CYB0045"); len(got) != 1 {
		t.Errorf("after a programme amendment, the UK entry links to %q", got)
	}
	if after := foundBy(); after != before {
		t.Errorf("a programme amendment relinked ZHAO (snapshot %d, was %d)", after, before)
	}

	// OFAC amends ZHAO's birth date: the link no longer holds.
	saveList(t, s, "ofac-sdn", "2024-07-01",
		linkPerson("1", "PETROV, Ivan", "1970-01-01", "SDGT"),
		linkPerson("47814", "ZHAO, Guangzong", "1986-01-01", "CYBER2"),
		linkPerson("47900", "WANG, Wei", "1975-05-05", "CYBER2"),
	)
	if got := linked(t, s, "ofac-sdn", "47814"); len(got) != 0 {
		t.Errorf("a contradicted link kept: %q", got)
	}
	if got := linked(t, s, "uk-sanctions-list", "CYB0045"); len(got) != 0 {
		t.Errorf("the other direction kept: %q", got)
	}
}

// TestLinksStaleList: a list whose keys are not current (a database from
// before links: here, its state removed) is linked whole when the next
// snapshot of any list is stored.
func TestLinksStaleList(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	saveList(t, s, "uk-sanctions-list", "2024-03-25", linkPerson("CYB0046", "Gaobin NI", "1985-10-27", "Cyber"))
	saveList(t, s, "ofac-sdn", "2024-03-25", linkPerson("47818", "NI, Gaobin", "1985-10-27", "CYBER2"))
	if got := linked(t, s, "ofac-sdn", "47818"); len(got) != 1 {
		t.Fatalf("not linked: %q", got)
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM links; DELETE FROM link_index; DELETE FROM link_facts; DELETE FROM link_state`); err != nil {
		t.Fatal(err)
	}
	saveList(t, s, "eu-fsf", "2024-04-01", linkPerson("EU.1", "Ni GAOBIN", "1985-10-27", "CYB"))
	for _, l := range []string{"ofac-sdn", "uk-sanctions-list", "eu-fsf"} {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM links WHERE list = ?`, l).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%s: %d links, want 2 (one to each other list)", l, n)
		}
	}
}

// TestLinkFieldsRead: an amendment is relinked only when a field that
// match.Reads names changed, so every change of an entity that changes its
// match facts must name such a field in its diff, and a change of any
// other field must leave the facts alone.
func TestLinkFieldsRead(t *testing.T) {
	base := func() *tracker.Entity {
		return &tracker.Entity{ID: "1", Kind: tracker.KindEntity, Name: "NEOBIT OOO", Programs: []string{"CYBER2"},
			Aliases:       []tracker.Alias{{Name: "NEOBIT LLC", Strength: "strong"}},
			BirthDates:    []string{"1980-01-01"},
			Nationalities: []string{"Russia"},
			Addresses:     []tracker.Address{{City: "Moscow", Country: "Russia"}},
			Identifiers:   []tracker.Identifier{{Type: "Passport", Value: "123456789", Country: "Russia"}},
			Designated:    "2022-04-20", Remarks: "a remark", Positions: []string{"CEO"}, BirthPlaces: []string{"Moscow"},
			Attrs: map[string]string{"uk_ref": "RUS0001", "un_ref": "QDe.001", "listed_on": "2022-04-20"}}
	}
	for name, edit := range map[string]func(e *tracker.Entity){
		"name":         func(e *tracker.Entity) { e.Name = "NEOBIT 2 OOO" },
		"kind":         func(e *tracker.Entity) { e.Kind = tracker.KindPerson },
		"alias":        func(e *tracker.Entity) { e.Aliases[0].Name = "NEO BIT LLC" },
		"alias weak":   func(e *tracker.Entity) { e.Aliases[0].Strength = "weak" },
		"birth date":   func(e *tracker.Entity) { e.BirthDates = []string{"1981"} },
		"nationality":  func(e *tracker.Entity) { e.Nationalities = []string{"Belarus"} },
		"address":      func(e *tracker.Entity) { e.Addresses[0].Country = "Belarus" },
		"identifier":   func(e *tracker.Entity) { e.Identifiers[0].Value = "987654321" },
		"uk ref":       func(e *tracker.Entity) { e.Attrs["uk_ref"] = "RUS0002" },
		"un ref":       func(e *tracker.Entity) { e.Attrs["un_ref"] = "QDe.002" },
		"programs":     func(e *tracker.Entity) { e.Programs = []string{"RUSSIA-EO14024"} },
		"designated":   func(e *tracker.Entity) { e.Designated = "2023-01-01" },
		"remarks":      func(e *tracker.Entity) { e.Remarks = "another remark" },
		"positions":    func(e *tracker.Entity) { e.Positions = nil },
		"birth place":  func(e *tracker.Entity) { e.BirthPlaces = []string{"Omsk"} },
		"address city": func(e *tracker.Entity) { e.Addresses[0].City = "Tula" },
		"listed on":    func(e *tracker.Entity) { e.Attrs["listed_on"] = "2023-01-01" },
		"another attr": func(e *tracker.Entity) { e.Attrs["gender"] = "Male" },
	} {
		t.Run(name, func(t *testing.T) {
			old, new := base(), base()
			edit(new)
			old.Canonicalize()
			new.Canonicalize()
			changed := !bytes.Equal(match.Prepare(old).AppendFacts(nil), match.Prepare(new).AppendFacts(nil))
			reads := false
			var fields []string
			for _, f := range diff.Fields(old, new) {
				fields = append(fields, f.Field)
				reads = reads || match.Reads(f.Field)
			}
			if len(fields) == 0 {
				t.Fatal("the edit changed no field")
			}
			if changed && !reads {
				t.Errorf("the facts changed, but linking reads none of the changed fields %q", fields)
			}
		})
	}
}

// TestNotListedByAuthority: "not listed by" names authorities, and a list
// of the entry's own authority (ofac-consolidated for ofac-sdn) is not
// another list; a UK entry on either UK list counts for the UK.
func TestNotListedByAuthority(t *testing.T) {
	s := openTest(t)
	s.Authority = func(list string) string {
		return map[string]string{"ofac-sdn": "US", "ofac-consolidated": "US", "uk-sanctions-list": "UK", "uk-ofsi-conlist": "UK", "eu-fsf": "EU"}[list]
	}
	saveList(t, s, "ofac-consolidated", "2024-03-01", linkPerson("9", "PETROV, Ivan", "1970-01-01", "SSI"))
	saveList(t, s, "uk-ofsi-conlist", "2024-03-01", linkPerson("CYB0045", "Guangzong ZHAO", "1985-11-12", "Cyber"))
	saveList(t, s, "eu-fsf", "2024-03-01", linkPerson("EU.1", "Ivan PETROV", "1970-01-01", "UKR"))
	saveList(t, s, "ofac-sdn", "2024-03-24", linkPerson("1", "KIM, Il", "1960-01-01", "DPRK"))
	res := saveList(t, s, "ofac-sdn", "2024-03-25",
		linkPerson("1", "KIM, Il", "1960-01-01", "DPRK"),
		linkPerson("47814", "ZHAO, Guangzong", "1985-11-12", "CYBER2"),
		linkPerson("47900", "WANG, Wei", "1975-05-05", "CYBER2"),
	)
	want := map[string][]string{"47814": {"EU"}, "47900": {"EU", "UK"}}
	for _, c := range res.Changes {
		if !slices.Equal(c.NotListedBy, want[c.ID]) {
			t.Errorf("%s: not listed by %q, want %q", c.ID, c.NotListedBy, want[c.ID])
		}
		also, err := s.AlsoListed(context.Background(), "ofac-sdn", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.NotListedBy(context.Background(), "ofac-sdn", also)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want[c.ID]) {
			t.Errorf("%s: Store.NotListedBy %q, want %q", c.ID, got, want[c.ID])
		}
	}
	if len(res.Changes) != 2 {
		t.Errorf("%d changes, want 2", len(res.Changes))
	}
}
