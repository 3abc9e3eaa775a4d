package uk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/sourcetest"
)

const ukCyberTitle = "The Cyber (Sanctions) (EU Exit) Regulations 2020"

var ukCyberFilter = diff.Filter{Regimes: CyberRegimes}

func ukParseFile(t testing.TB, path string, parse source.Parser) *source.Publication {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := parse(context.Background(), []source.RawFile{{Name: filepath.Base(path), Origin: path, Data: data}})
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return pub
}

func ukShared(t testing.TB, rel string, parse source.Parser) *source.Publication {
	t.Helper()
	return ukParseFile(t, shareddata.Path(t, rel), parse)
}

func ukByID(es []*tracker.Entity) map[string]*tracker.Entity {
	m := make(map[string]*tracker.Entity, len(es))
	for _, e := range es {
		m[e.ID] = e
	}
	return m
}

func ukHasProgram(e *tracker.Entity, p string) bool { return slices.Contains(e.Programs, p) }

func ukIDsUnder(es []*tracker.Entity, program string) []string {
	var ids []string
	for _, e := range es {
		if ukHasProgram(e, program) {
			ids = append(ids, e.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// ofsiIndependentCounts reads a ConList CSV with nothing but encoding/csv:
// the distinct Group IDs, the distinct (Group ID, Regime) pairs, and the
// groups with a row under regime "Cyber".
func ofsiIndependentCounts(t *testing.T, path string) (groups map[string]bool, pairs int, cyber int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	gi, ri := slices.Index(rows[1], "Group ID"), slices.Index(rows[1], "Regime")
	if gi < 0 || ri < 0 {
		t.Fatalf("%s: header %q lacks Group ID or Regime", path, rows[1])
	}
	groups = map[string]bool{}
	pairSet, cyberSet := map[[2]string]bool{}, map[string]bool{}
	for _, row := range rows[2:] {
		groups[row[gi]] = true
		pairSet[[2]string{row[gi], row[ri]}] = true
		if row[ri] == "Cyber" {
			cyberSet[row[gi]] = true
		}
	}
	return groups, len(pairSet), len(cyberSet)
}

func TestOFSIConListRealFiles(t *testing.T) {
	tests := []struct {
		file      string
		published string
		cyber     int // Cyber groups, as data/README.md counts them
		refs      bool
	}{
		{"uk/ofsi/2020-04-27.ConList.csv", "2020-04-27", 0, false},
		{"uk/ofsi/2022-05-04.ConList.from-xlsx.csv", "2022-05-04", 22, true},
		{"uk/ofsi/2023-06-05.ConList.from-xlsx.csv", "2023-06-05", 20, true},
		{"uk/ofsi/2025-04-10.ConList.from-xlsx.csv", "2025-04-10", 62, true},
		{"uk/ofsi/2025-04-14.ConList.from-xlsx.csv", "2025-04-14", 62, true},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			path := shareddata.Path(t, tt.file)
			pub := ukParseFile(t, path, ParseConList)
			groups, pairs, cyberGroups := ofsiIndependentCounts(t, path)

			if pub.PublishedAt != tt.published {
				t.Errorf("PublishedAt = %q, want %q", pub.PublishedAt, tt.published)
			}
			if cyberGroups != tt.cyber {
				t.Fatalf("independent count: %d Cyber groups, README says %d", cyberGroups, tt.cyber)
			}
			// One designation per group and regime, none lost, none made up.
			if len(pub.Entities) != pairs {
				t.Errorf("%d entities, want %d (distinct Group ID × Regime)", len(pub.Entities), pairs)
			}
			got := map[string]bool{}
			for _, e := range pub.Entities {
				got[e.Attrs[ukAttrGroupID]] = true
			}
			if !reflect.DeepEqual(got, groups) {
				t.Errorf("entities cover %d groups, file has %d", len(got), len(groups))
			}
			cyber := ukIDsUnder(pub.Entities, ukCyberTitle)
			if len(cyber) != tt.cyber {
				t.Errorf("%d Cyber designations, want %d", len(cyber), tt.cyber)
			}
			for _, id := range cyber {
				if tt.refs && !strings.HasPrefix(id, "CYB") {
					t.Errorf("Cyber designation %s: want its UK Sanctions List ref (CYBnnnn) as id", id)
				}
			}
			if !tt.refs {
				for _, e := range pub.Entities {
					if !strings.HasPrefix(e.ID, "OFSI-") {
						t.Errorf("%s: a 2020 file has no UK refs; want an OFSI-<Group ID> id", e.ID)
						break
					}
				}
			}
			for _, e := range pub.Entities {
				if e.Kind != tracker.KindPerson && e.Kind != tracker.KindEntity && e.Kind != tracker.KindVessel {
					t.Errorf("%s: kind %q", e.ID, e.Kind)
				}
				for _, s := range append([]string{e.Name, e.Attrs[ukAttrOtherInfo]}, e.Positions...) {
					if strings.ContainsRune(s, '\ufffd') {
						t.Errorf("%s: undecodable text %q", e.ID, s)
					}
				}
			}
		})
	}
}

// The 2020 file is Windows-1252; its curly apostrophes must come out as
// such, not as replacement characters.
func TestOFSIConList2020Encoding(t *testing.T) {
	pub := ukShared(t, "uk/ofsi/2020-04-27.ConList.csv", ParseConList)
	n := 0
	for _, e := range pub.Entities {
		if strings.ContainsRune(e.Attrs[ukAttrOtherInfo], '’') {
			n++
		}
	}
	if n == 0 {
		t.Error("no ’ decoded from the Windows-1252 file")
	}
}

func TestOFSIGroupsUnderSeveralRegimes(t *testing.T) {
	pub22 := ukShared(t, "uk/ofsi/2022-05-04.ConList.from-xlsx.csv", ParseConList)
	pub25 := ukShared(t, "uk/ofsi/2025-04-10.ConList.from-xlsx.csv", ParseConList)
	byID22, byID25 := ukByID(pub22.Entities), ukByID(pub25.Entities)

	tests := []struct {
		name    string
		ents    map[string]*tracker.Entity
		id      string
		group   string
		program string
		ukRef   string
	}{
		// "(UK Sanctions List Ref):CHW0009 and CYB0011": one group, two
		// designations, each with its own reference.
		{"kostyukov cyber", byID25, "CYB0011", "13748", ukCyberTitle, "CYB0011"},
		{"kostyukov chemical", byID25, "CHW0009", "13748", "The Chemical Weapons (Sanctions) (EU Exit) Regulations 2019", "CHW0009"},
		// Listed under Iran, Syria and Iran (Nuclear) with the Iran ref only.
		{"jafari iran", byID25, "IRN0058", "10638", "The Iran (Sanctions) Regulations 2023", "IRN0058"},
		{"jafari syria", byID25, "OFSI-10638-SYR", "10638", "The Syria (Sanctions) (EU Exit) Regulations 2019", ""},
		{"jafari nuclear", byID25, "OFSI-10638-INU", "10638", "The Iran (Sanctions) (Nuclear) (EU Exit) Regulations 2019", ""},
		// May 2022: OFSI printed RUS1024 for two groups; it identifies neither.
		{"rus1024 kashina", byID22, "OFSI-15356", "15356", "The Russia (Sanctions) (EU Exit) Regulations 2019", "RUS1024"},
		{"rus1024 panferov", byID22, "OFSI-15354", "15354", "The Russia (Sanctions) (EU Exit) Regulations 2019", "RUS1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.ents[tt.id]
			if e == nil {
				t.Fatalf("no designation %s", tt.id)
			}
			if e.Attrs[ukAttrGroupID] != tt.group {
				t.Errorf("group %q, want %s", e.Attrs[ukAttrGroupID], tt.group)
			}
			if !reflect.DeepEqual(e.Programs, []string{tt.program}) {
				t.Errorf("programs %q, want only %q", e.Programs, tt.program)
			}
			if e.Attrs[ukAttrRef] != tt.ukRef {
				t.Errorf("uk_ref %q, want %q", e.Attrs[ukAttrRef], tt.ukRef)
			}
		})
	}
	if _, ok := byID22["RUS1024"]; ok {
		t.Error("RUS1024, given to two groups, was used as an id")
	}
	k := byID25["CYB0011"]
	if k.Name != "Igor Olegovich KOSTYUKOV" || !reflect.DeepEqual(k.BirthDates, []string{"1961-01-21", "1961-02-21"}) || k.Designated != "2020-12-31" {
		t.Errorf("CYB0011 = %q born %q designated %q", k.Name, k.BirthDates, k.Designated)
	}
	if k.Attrs[ukAttrListedOn] != "2020-10-23" {
		t.Errorf("CYB0011 listed_on %q: want the Cyber rows' Listed On, not the Chemical Weapons ones", k.Attrs[ukAttrListedOn])
	}
}

func TestOFSIDiffCyber(t *testing.T) {
	t.Run("trickbot designations of February 2023", func(t *testing.T) {
		before := ukShared(t, "uk/ofsi/2022-05-04.ConList.from-xlsx.csv", ParseConList)
		after := ukShared(t, "uk/ofsi/2023-06-05.ConList.from-xlsx.csv", ParseConList)
		changes := ukCyberFilter.Apply(diff.Compare(ukOFSIList, before.Entities, after.Entities))
		// The seven Trickbot members the UK designated on 9 February 2023
		// (public record: FCDO/HM Treasury notice of that day).
		want := []string{"ISKRITSKIY", "KARYAGIN", "KOVALEV", "MIKHAILOV", "PLESHEVSKIY", "SEDLETSKI", "VAKHROMEYEV"}
		var got []string
		for _, c := range changes {
			if c.Kind == tracker.Added && c.Entity.Designated == "2023-02-09" {
				f := strings.Fields(c.Name)
				got = append(got, f[len(f)-1])
				if !strings.HasPrefix(c.ID, "CYB") || c.EntityKind != tracker.KindPerson {
					t.Errorf("added %s %q (%s)", c.ID, c.Name, c.EntityKind)
				}
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cyber additions designated 2023-02-09: %q, want %q", got, want)
		}
	})
	t.Run("no cyber change 2025-04-10 to 04-14", func(t *testing.T) {
		before := ukShared(t, "uk/ofsi/2025-04-10.ConList.from-xlsx.csv", ParseConList)
		after := ukShared(t, "uk/ofsi/2025-04-14.ConList.from-xlsx.csv", ParseConList)
		all := diff.Compare(ukOFSIList, before.Entities, after.Entities)
		if len(all) == 0 {
			t.Fatal("no change at all between two publications with different entries")
		}
		for _, c := range ukCyberFilter.Apply(all) {
			t.Errorf("unexpected cyber change: %s %s %q %v", c.Kind, c.ID, c.Name, c.Fields)
		}
	})
}

// ukChangesMD reads the expected results table of uk/fcdo/CHANGES.md.
type ukExpected struct {
	kind             tracker.ChangeKind
	id, name, regime string
	designated       string
	fields           []string
}

func ukChangesMD(t *testing.T) (cyber, other []ukExpected) {
	t.Helper()
	data, err := os.ReadFile(shareddata.Path(t, "uk/fcdo/CHANGES.md"))
	if err != nil {
		t.Fatal(err)
	}
	// CHANGES.md names fields by their XML element; this parser's names.
	fieldNames := map[string]string{"LastUpdated": "attrs.last_updated", "OtherInformation": "attrs.other_information"}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) < 5 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		kind := tracker.ChangeKind(strings.ToLower(cells[0]))
		if kind != tracker.Added && kind != tracker.Removed && kind != tracker.Amended {
			continue
		}
		x := ukExpected{kind: kind, id: cells[1], regime: cells[2], name: cells[3], designated: source.DayMonthYear(cells[4])}
		if len(cells) > 5 && cells[5] != "" {
			for _, f := range strings.Split(cells[5], ",") {
				name, ok := fieldNames[strings.TrimSpace(f)]
				if !ok {
					t.Fatalf("CHANGES.md field %q has no mapping", f)
				}
				x.fields = append(x.fields, name)
			}
		}
		if x.regime == ukCyberTitle {
			cyber = append(cyber, x)
		} else {
			other = append(other, x)
		}
	}
	if len(cyber) == 0 || len(other) == 0 {
		t.Fatal("CHANGES.md: tables not found")
	}
	return cyber, other
}

func ukObserved(changes []tracker.Change) []ukExpected {
	var out []ukExpected
	for _, c := range changes {
		x := ukExpected{kind: c.Kind, id: c.ID, name: c.Name, regime: strings.Join(c.Programs, ";"), designated: c.Entity.Designated}
		if c.Kind == tracker.Amended {
			for _, f := range c.Fields {
				x.fields = append(x.fields, f.Field)
			}
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func TestUKSanctionsListChangesMD(t *testing.T) {
	cyber, other := ukChangesMD(t)
	all := append(append([]ukExpected(nil), cyber...), other...)
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	sort.Slice(cyber, func(i, j int) bool { return cyber[i].id < cyber[j].id })
	if len(cyber) != 42 {
		t.Fatalf("CHANGES.md lists %d cyber changes, its heading says 42", len(cyber))
	}
	for _, format := range []string{"xml", "csv"} {
		t.Run(format, func(t *testing.T) {
			a := ukShared(t, "uk/fcdo/2023-06-05.UK-Sanctions-List."+format, ParseSanctionsList)
			b := ukShared(t, "uk/fcdo/2025-04-10.UK-Sanctions-List."+format, ParseSanctionsList)
			if a.PublishedAt != "2023-06-05" || b.PublishedAt != "2025-04-10" {
				t.Errorf("PublishedAt %q, %q", a.PublishedAt, b.PublishedAt)
			}
			if len(a.Entities) != 37 || len(b.Entities) != 78 {
				t.Errorf("%d and %d designations, want 37 and 78", len(a.Entities), len(b.Entities))
			}
			changes := diff.Compare(ukFCDOList, a.Entities, b.Entities)
			if got := ukObserved(changes); !reflect.DeepEqual(got, all) {
				t.Errorf("all regimes: got %d changes, CHANGES.md %d\n got %v\nwant %v", len(got), len(all), got, all)
			}
			if got := ukObserved(ukCyberFilter.Apply(changes)); !reflect.DeepEqual(got, cyber) {
				t.Errorf("cyber: got %d changes, CHANGES.md %d\n got %v\nwant %v", len(got), len(cyber), got, cyber)
			}
		})
	}
}

// fcdoCSVOnly removes what the constructed uk/fcdo files carry in their CSV
// only (CONSTRUCTED.md: entity details, whose XML element names are
// unverified), and counts what it removed.
func fcdoCSVOnly(es []*tracker.Entity) int {
	n := 0
	for _, e := range es {
		for _, k := range []string{ukAttrEntityType, ukAttrParent, ukAttrSubsidiaries} {
			if _, ok := e.Attrs[k]; ok {
				delete(e.Attrs, k)
				n++
			}
		}
		ids := e.Identifiers[:0]
		for _, id := range e.Identifiers {
			if id.Type == ukIDBusinessNo {
				n++
				continue
			}
			ids = append(ids, id)
		}
		e.Identifiers = ids
		e.Canonicalize()
	}
	return n
}

func TestUKSanctionsListXMLEqualsCSV(t *testing.T) {
	tests := []struct {
		name     string
		xml, csv func(t *testing.T) *source.Publication
		csvOnly  bool
	}{
		{
			"testdata small",
			func(t *testing.T) *source.Publication {
				return ukParseFile(t, "testdata/small.UK-Sanctions-List.xml", ParseSanctionsList)
			},
			func(t *testing.T) *source.Publication {
				return ukParseFile(t, "testdata/small.UK-Sanctions-List.csv", ParseSanctionsList)
			},
			false,
		},
	}
	for _, d := range []string{"2023-06-05", "2025-04-10"} {
		tests = append(tests, struct {
			name     string
			xml, csv func(t *testing.T) *source.Publication
			csvOnly  bool
		}{
			"shared " + d,
			func(t *testing.T) *source.Publication {
				return ukShared(t, "uk/fcdo/"+d+".UK-Sanctions-List.xml", ParseSanctionsList)
			},
			func(t *testing.T) *source.Publication {
				return ukShared(t, "uk/fcdo/"+d+".UK-Sanctions-List.csv", ParseSanctionsList)
			},
			true,
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, c := tt.xml(t), tt.csv(t)
			if x.PublishedAt != c.PublishedAt || x.PublishedAt == "" {
				t.Errorf("PublishedAt XML %q, CSV %q", x.PublishedAt, c.PublishedAt)
			}
			if tt.csvOnly {
				if n := fcdoCSVOnly(c.Entities); n == 0 {
					t.Fatal("the CSV-only entity details were expected in the CSV, found none")
				}
			}
			xs, cs := ukByID(x.Entities), ukByID(c.Entities)
			for id, xe := range xs {
				ce := cs[id]
				if ce == nil {
					t.Errorf("%s only in the XML", id)
					continue
				}
				if !reflect.DeepEqual(xe, ce) {
					t.Errorf("%s differs: %v", id, diff.Fields(xe, ce))
				}
			}
			for id := range cs {
				if xs[id] == nil {
					t.Errorf("%s only in the CSV", id)
				}
			}
		})
	}
}

// TestUKSmallFixture pins the mapping of each kind of FCDO field on the
// synthetic fixture.
func TestUKSmallFixture(t *testing.T) {
	pub := ukParseFile(t, "testdata/small.UK-Sanctions-List.xml", ParseSanctionsList)
	es := ukByID(pub.Entities)
	p, c, s := es["TST0001"], es["TST0002"], es["TST0003"]
	if p == nil || c == nil || s == nil {
		t.Fatalf("ids %v", slices.Sorted(maps.Keys(es)))
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"person kind", p.Kind, tracker.KindPerson},
		{"person name", p.Name, "Ivan Testovich EXAMPLOV"},
		{"aliases", p.Aliases, []tracker.Alias{
			{Name: "Ivan EKZAMPLOV", Type: "aka", Strength: "strong"},
			{Name: "Iwan Testowitsch EXAMPLOW", Type: "name variation"},
			{Name: "TESTHANDLE", Type: "aka", Strength: "weak"},
			{Name: "Иван Тестович ЭКЗАМПЛОВ", Type: "non-latin script", Lang: "Russian"},
		}},
		{"programs", p.Programs, []string{ukCyberTitle}},
		{"designated", p.Designated, "2025-03-01"},
		{"partial dob", p.BirthDates, []string{"1980-07-14", "1981"}},
		{"birth place", p.BirthPlaces, []string{"Testgrad, Russia"}},
		{"positions", p.Positions, []string{"Head of Test Unit 0000", "Operator of Test Botnet"}},
		{"documents", p.Identifiers, []tracker.Identifier{
			{Type: "National ID", Value: "TN-0000001", Note: "Synthetic id"},
			{Type: "Passport", Value: "TP0000001", Note: "Synthetic passport"},
		}},
		{"address", p.Addresses, []tracker.Address{{Text: "1 Example Street, Testgrad", PostalCode: "000001", Country: "Russia"}}},
		{"person attrs", p.Attrs, map[string]string{
			"uk_ref": "TST0001", "ofsi_group_id": "99001", "last_updated": "2025-03-03", "designation_source": "UK",
			"sanctions_imposed": "Asset freeze|Travel Ban", "title": "Mr", "gender": "Male",
			"statement_of_reasons": "Synthetic test designation: Ivan EXAMPLOV does not exist.",
		}},
		{"entity kind", c.Kind, tracker.KindEntity},
		{"entity identifiers", c.Identifiers, []tracker.Identifier{
			{Type: "Business Registration Number", Value: "0000000000001 (Russia)"},
			{Type: "Email", Value: "info@example-hosting.invalid"},
			{Type: "Phone", Value: "+7 000 000 00 01"},
			{Type: "Website", Value: "www.example-hosting.invalid"},
		}},
		{"entity details", []string{c.Attrs["type_of_entity"], c.Attrs["parent_company"], c.Attrs["subsidiaries"]},
			[]string{"Limited Liability Company", "EXAMPLE HOLDING LLC", "EXAMPLE CLOUD LLC"}},
		{"entity addresses", len(c.Addresses), 2},
		{"ship kind", s.Kind, tracker.KindVessel},
		{"ship identifiers", s.Identifiers, []tracker.Identifier{{Type: "HIN", Value: "HIN-TEST-0001"}, {Type: "IMO", Value: "0000001"}}},
		{"ship attrs", []string{s.Attrs["current_owners"], s.Attrs["previous_owners"], s.Attrs["flag"], s.Attrs["previous_flags"], s.Attrs["ship_type"], s.Attrs["tonnage"], s.Attrs["length"], s.Attrs["year_built"]},
			[]string{"EXAMPLE SHIPPING LTD", "SAMPLE MARINE LTD", "Testland", "Exampleland", "Crude Oil Tanker", "12345", "180", "2004"}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", ch.name, ch.got, ch.want)
		}
	}
}

func TestOFSISmallFixtures(t *testing.T) {
	pub := ukParseFile(t, "testdata/small.ConList.csv", ParseConList)
	es := ukByID(pub.Entities)
	old := ukParseFile(t, "testdata/small-2020.ConList.csv", ParseConList)
	olds := ukByID(old.Entities)
	checks := []struct {
		name      string
		got, want any
	}{
		{"published", pub.PublishedAt, "2025-02-05"},
		{"ids", slices.Sorted(maps.Keys(es)), []string{"CHW9001", "CYB9001", "OFSI-99103", "RUS9002"}},
		{"cyber program", es["CYB9001"].Programs, []string{ukCyberTitle}},
		{"cyber listed on", es["CYB9001"].Attrs["listed_on"], "2020-10-23"},
		{"chemical listed on", es["CHW9001"].Attrs["listed_on"], "2019-01-21"},
		{"designated", es["CYB9001"].Designated, "2020-12-31"},
		{"dobs", es["CYB9001"].BirthDates, []string{"1961-03-02", "1962"}},
		{"numbered positions", es["CYB9001"].Positions, []string{"Former deputy head (2008) of Sample Unit", "Head of Test Directorate"}},
		{"other information", es["CYB9001"].Attrs["other_information"], "Listed under the Chemical Weapons and Cyber sanctions regimes."},
		{"group refs", es["CHW9001"].Attrs["ofsi_group_refs"], "CHW9001, CYB9001"},
		{"aliases", es["CYB9001"].Aliases, []tracker.Alias{
			{Name: "Peter SAMPLOFF", Type: "aka", Strength: "strong"},
			{Name: "Пётр Тестович САМПЛОВ", Type: "non-latin script", Lang: "Russian"},
		}},
		{"bank sections", es["RUS9002"].Identifiers, []tracker.Identifier{
			{Type: "Business Registration Number", Value: "0000000000002 (Russia)"},
			{Type: "Email", Value: "info@example-bank.invalid"},
			{Type: "Phone", Value: "+7 000 000 00 02"},
			{Type: "Website", Value: "www.example-bank.invalid"},
		}},
		{"bank attrs", []string{es["RUS9002"].Attrs["un_ref"], es["RUS9002"].Attrs["other_information"], es["RUS9002"].Attrs["type_of_entity"], es["RUS9002"].Attrs["parent_company"]},
			[]string{"TSe.001", "Synthetic UN listing note.", "Bank", "EXAMPLE STATE HOLDING"}},
		{"bank aliases", es["RUS9002"].Aliases, []tracker.Alias{{Name: "AO EKZAMPL BANK", Type: "name variation"}, {Name: "EXAMPLEBANK", Type: "aka", Strength: "weak"}}},
		{"ship", []any{es["OFSI-99103"].Kind, es["OFSI-99103"].Identifiers, es["OFSI-99103"].Attrs["flag"], es["OFSI-99103"].Attrs["year_built"]},
			[]any{tracker.KindVessel, []tracker.Identifier{{Type: "IMO", Value: "0000002"}}, "Testland", "1990"}},
		{"ship program", es["OFSI-99103"].Programs, []string{"The Democratic People's Republic of Korea (Sanctions) (EU Exit) Regulations 2019"}},
		{"2020 published", old.PublishedAt, "2020-04-27"},
		{"2020 prime alias", olds["OFSI-99201"].Name, "Abu Test AL-SAMPLI"},
		{"2020 aliases", olds["OFSI-99201"].Aliases, []tracker.Alias{{Name: "AL-SAMPLY", Type: "fka"}, {Name: "Abu SAMPLI", Type: "aka"}}},
		{"2020 program kept", olds["OFSI-99201"].Programs, []string{"The ISIL (Da'esh) and Al-Qaida organisations"}},
		{"2020 designated from listed on", olds["OFSI-99201"].Designated, "2016-04-01"},
		{"2020 documents", olds["OFSI-99201"].Identifiers, []tracker.Identifier{
			{Type: "National ID", Value: "TN-20"},
			{Type: "Passport", Value: "Passport No: TP0000020 (synthetic, issued 3 May 2007)."},
		}},
		{"2020 windows-1252", olds["OFSI-99201"].Attrs["other_information"], "UN Ref TSi.002. Synthetic note with a curly apostrophe: it’s invented."},
		{"2020 latin-1", olds["OFSI-99202"].Attrs["other_information"], "Synthetic entity é."},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", ch.name, ch.got, ch.want)
		}
	}
}

// The OFSI history and the FCDO list name a designation the same way, so a
// tracker that moves from one to the other sees no spurious delisting.
func TestUKOFSIAndFCDOSameIdentity(t *testing.T) {
	ofsi := ukShared(t, "uk/ofsi/2025-04-10.ConList.from-xlsx.csv", ParseConList)
	fcdo := ukShared(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml", ParseSanctionsList)
	o, f := ukIDsUnder(ofsi.Entities, ukCyberTitle), ukIDsUnder(fcdo.Entities, ukCyberTitle)
	if len(f) != 62 || !reflect.DeepEqual(o, f) {
		t.Fatalf("Cyber ids differ:\nOFSI %v\nFCDO %v", o, f)
	}
	var oc []*tracker.Entity
	for _, e := range ofsi.Entities {
		if ukHasProgram(e, ukCyberTitle) {
			oc = append(oc, e)
		}
	}
	for _, c := range ukCyberFilter.Apply(diff.Compare("uk", oc, fcdo.Entities)) {
		if c.Kind != tracker.Amended {
			t.Errorf("OFSI → FCDO: %s %s %q", c.Kind, c.ID, c.Name)
		}
	}
}

// TestUKOFSIProgramsMatchFCDO checks ukRegimes against the FCDO fixtures:
// every designation there is found in the OFSI file of the same date under
// the same id and the same regulation title, and the two parsers agree on
// every field but those only one source has.
func TestUKOFSIProgramsMatchFCDO(t *testing.T) {
	sourceOnly := map[string]bool{
		"attrs." + ukAttrListedOn: true, "attrs." + ukAttrGroupRefs: true, // OFSI only
		"attrs." + ukAttrSource: true, "attrs." + ukAttrSanctions: true, // FCDO only
	}
	for _, d := range []string{"2023-06-05", "2025-04-10"} {
		t.Run(d, func(t *testing.T) {
			ofsi := ukByID(ukShared(t, "uk/ofsi/"+d+".ConList.from-xlsx.csv", ParseConList).Entities)
			fcdo := ukShared(t, "uk/fcdo/"+d+".UK-Sanctions-List.csv", ParseSanctionsList)
			regimes := map[string]bool{}
			for _, fe := range fcdo.Entities {
				oe := ofsi[fe.ID]
				if oe == nil {
					t.Errorf("%s (%s) not in the OFSI file", fe.ID, fe.Programs)
					continue
				}
				regimes[strings.Join(fe.Programs, ";")] = true
				for _, fc := range diff.Fields(fe, oe) {
					if !sourceOnly[fc.Field] {
						t.Errorf("%s %s: FCDO %q, OFSI %q", fe.ID, fc.Field, fc.Before, fc.After)
					}
				}
			}
			if len(regimes) < 15 {
				t.Errorf("only %d regimes compared", len(regimes))
			}
		})
	}
}

func TestUKRegimeTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cyber", ukCyberTitle},
		{" Cyber ", ukCyberTitle},
		{"ISIL (Da'esh) and Al-Qaida", "Isil (Da'esh) and Al-Qaeda (United Nations Sanctions) (EU Exit) Regulations 2019"},
		{"Iran (Nuclear)", "The Iran (Sanctions) (Nuclear) (EU Exit) Regulations 2019"},
		{"Ukraine (Sovereignty)", "Ukraine (Sovereignty)"}, // EU-era regime, kept
		{"Iran (human rights)", "Iran (human rights)"},     // 2020 spelling: not mapped
		{"Zimbabwe", "Zimbabwe"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RegimeTitle(tt.in); got != tt.want {
			t.Errorf("RegimeTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOFSIOtherInformation(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		refs     []string
		unRefs   []string
		free     []string
		sections []ofsiSection
	}{
		{"ref and reasons", "(UK Sanctions List Ref):CYB0046. (UK Statement of Reasons):NI Gaobin is a member of APT31. (Gender):Male",
			[]string{"CYB0046"}, nil, nil,
			[]ofsiSection{{"UK Statement of Reasons", "NI Gaobin is a member of APT31."}, {"Gender", "Male"}}},
		{"two refs and text", "(UK Sanctions List Ref):CHW0009 and CYB0011. Listed under the Chemical Weapons and Cyber sanctions regimes.",
			[]string{"CHW0009", "CYB0011"}, nil, []string{"Listed under the Chemical Weapons and Cyber sanctions regimes."}, nil},
		{"three refs", "(UK Sanctions List Ref):IHR0061, INU0011 and SYR0161 Listed under the Iran",
			[]string{"IHR0061", "INU0011", "SYR0161"}, nil, []string{"Listed under the Iran"}, nil},
		{"un style ref", "(UK Sanctions List Ref):SDi.005. (UK Statement of Reasons):Listed pursuant to x",
			[]string{"SDi.005"}, nil, nil, []ofsiSection{{"UK Statement of Reasons", "Listed pursuant to x"}}},
		{"un ref runs on", "(UK Sanctions List Ref):AFG0007. (UN Ref):TAi.003. Active in operations. (UK Statement of Reasons):",
			[]string{"AFG0007"}, []string{"TAi.003"}, []string{"Active in operations."}, []ofsiSection{{"UK Statement of Reasons", ""}}},
		{"empty phone then fax", "(Phone number):(Fax): +375 (17) 213-41-63  (Tel): +375 (17) 215-40-51",
			nil, nil, nil, []ofsiSection{{"Phone number", ""}, {"Fax", "+375 (17) 213-41-63"}, {"Tel", "+375 (17) 215-40-51"}}},
		{"unknown label stays text", "(UK Sanctions List Ref):AQD0038. Employer Identification Number (United States of America): 36-3823186.",
			[]string{"AQD0038"}, nil, []string{"Employer Identification Number (United States of America): 36-3823186."}, nil},
		{"incorporation date", "(UK Sanctions List Ref):CYB0064. Incorporation date: 2/25/2011\n (UK Statement of Reasons):x",
			[]string{"CYB0064"}, nil, []string{"Incorporation date: 2/25/2011"}, []ofsiSection{{"UK Statement of Reasons", "x"}}},
		{"2020 free text", "UN Ref QDe.004. Emir for the eastern zone.", nil, nil, []string{"UN Ref QDe.004. Emir for the eastern zone."}, nil},
		{"empty", "", nil, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oi := parseOFSIOther(tt.in)
			if !reflect.DeepEqual(oi.refs, tt.refs) || !reflect.DeepEqual(oi.unRefs, tt.unRefs) ||
				!reflect.DeepEqual(oi.free, tt.free) || !reflect.DeepEqual(oi.sections, tt.sections) {
				t.Errorf("got refs %q un %q free %q sections %q\nwant refs %q un %q free %q sections %q",
					oi.refs, oi.unRefs, oi.free, oi.sections, tt.refs, tt.unRefs, tt.free, tt.sections)
			}
		})
	}
}

func TestUKSplitNumbered(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Minister", []string{"Minister"}},
		{"(1) Minister (2) Deputy (3) Head", []string{"Minister", "Deputy", "Head"}},
		{"(1) Head (2008-2012) of X (2) Adviser", []string{"Head (2008-2012) of X", "Adviser"}},
		{"Head (2) of X", []string{"Head (2) of X"}},
		{"(1) Only one", []string{"Only one"}},
	}
	for _, tt := range tests {
		if got := ukSplitNumbered(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ukSplitNumbered(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// ukReplaceLine returns data with line n (1-based) changed by fn.
func ukReplaceLine(t *testing.T, data []byte, n int, fn func(string) string) []byte {
	t.Helper()
	lines := bytes.SplitAfter(data, []byte("\n"))
	if n > len(lines) {
		t.Fatalf("no line %d", n)
	}
	lines[n-1] = []byte(fn(string(lines[n-1])))
	return bytes.Join(lines, nil)
}

func TestUKBadInput(t *testing.T) {
	read := func(t *testing.T, path string) []byte {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fcdoCSV := func(t *testing.T) []byte { return read(t, "testdata/small.UK-Sanctions-List.csv") }
	fcdoXML := func(t *testing.T) []byte { return read(t, "testdata/small.UK-Sanctions-List.xml") }
	conList := func(t *testing.T) []byte { return read(t, "testdata/small.ConList.csv") }
	html := []byte("<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head><body><p>Sorry</p></body></html>\n")

	tests := []struct {
		name    string
		parse   source.Parser
		data    func(t *testing.T) []byte
		pos     string // source.ParseError.Pos prefix
		errText string
	}{
		{"fcdo csv missing column", ParseSanctionsList, func(t *testing.T) []byte {
			return ukReplaceLine(t, fcdoCSV(t), 2, func(s string) string { return strings.Replace(s, "Regime Name,", "Regime,", 1) })
		}, "line 2", `missing column "Regime Name"`},
		{"fcdo csv truncated row", ParseSanctionsList, func(t *testing.T) []byte {
			d := fcdoCSV(t)
			return d[:len(d)-60]
		}, "line 10", "fields"},
		{"fcdo csv truncated in a quoted field", ParseSanctionsList, func(t *testing.T) []byte {
			d := read(t, shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv"))
			i := bytes.Index(d, []byte(`"Active in terrorist`))
			return d[:i+40]
		}, "line ", `"`},
		{"fcdo csv row without id", ParseSanctionsList, func(t *testing.T) []byte {
			return ukReplaceLine(t, fcdoCSV(t), 4, func(s string) string { return strings.Replace(s, ",TST0001,", ",,", 1) })
		}, "line 4", "without Unique ID"},
		{"fcdo csv only the report date", ParseSanctionsList, func(t *testing.T) []byte {
			return []byte("Report Date: 04/03/2025\r\n")
		}, "", "before its header"},
		{"fcdo csv report date not a date", ParseSanctionsList, func(t *testing.T) []byte {
			return ukReplaceLine(t, fcdoCSV(t), 1, func(s string) string { return strings.Replace(s, "04-Mar-2025", "31-Foo-2026", 1) })
		}, "line 1", `the "Report Date" line: "31-Foo-2026" is not a date (want DD-Mon-YYYY`},
		{"fcdo csv report date text order", ParseSanctionsList, func(t *testing.T) []byte {
			return ukReplaceLine(t, fcdoCSV(t), 1, func(s string) string { return strings.Replace(s, "04-Mar-2025", "2026/10/08", 1) })
		}, "line 1", "is not a date"},
		{"fcdo xml DateGenerated not a date", ParseSanctionsList, func(t *testing.T) []byte {
			return bytes.Replace(fcdoXML(t), []byte("<DateGenerated>"), []byte("<DateGenerated>yesterday "), 1)
		}, "line ", `DateGenerated: "yesterday`},
		{"fcdo html", ParseSanctionsList, func(t *testing.T) []byte { return html }, "", "HTML page"},
		{"fcdo xml truncated", ParseSanctionsList, func(t *testing.T) []byte {
			d := fcdoXML(t)
			return d[:len(d)/2]
		}, "line ", "unexpected EOF"},
		{"fcdo real xml truncated", ParseSanctionsList, func(t *testing.T) []byte {
			d := read(t, shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml"))
			return d[:len(d)*3/5]
		}, "line ", "unexpected EOF"},
		{"fcdo xml wrong root", ParseSanctionsList, func(t *testing.T) []byte {
			return []byte(`<?xml version="1.0"?><export generationDate="x"><sanctionEntity/></export>`)
		}, "line 1", "want <Designations>"},
		{"fcdo xml without UniqueID", ParseSanctionsList, func(t *testing.T) []byte {
			return bytes.Replace(fcdoXML(t), []byte("<UniqueID>TST0002</UniqueID>"), nil, 1)
		}, "line 99 (designation 2)", "without UniqueID"},
		{"fcdo xml UniqueID twice", ParseSanctionsList, func(t *testing.T) []byte {
			return bytes.Replace(fcdoXML(t), []byte("<UniqueID>TST0003</UniqueID>"), []byte("<UniqueID>TST0001</UniqueID>"), 1)
		}, "line 166 (designation 3, TST0001)", "UniqueID TST0001 again (first on line 8)"},
		{"fcdo xml invalid UTF-8", ParseSanctionsList, func(t *testing.T) []byte {
			return bytes.Replace(fcdoXML(t), []byte("<UniqueID>TST0002</UniqueID>"), []byte("<UniqueID>TST\xff002</UniqueID>"), 1)
		}, "line 102", "invalid UTF-8"},
		{"fcdo csv invalid UTF-8", ParseSanctionsList, func(t *testing.T) []byte {
			return ukReplaceLine(t, fcdoCSV(t), 4, func(s string) string { return strings.Replace(s, ",TST0001,", ",TST\x920001,", 1) })
		}, "line 4 col ", "invalid UTF-8 (byte 0x92)"},
		{"fcdo xml without designations", ParseSanctionsList, func(t *testing.T) []byte {
			return []byte(`<Designations><DateGenerated>04/03/2025</DateGenerated></Designations>`)
		}, "", "no entries"},
		{"fcdo empty", ParseSanctionsList, func(t *testing.T) []byte { return nil }, "", "empty file"},
		{"ofsi missing column", ParseConList, func(t *testing.T) []byte {
			return ukReplaceLine(t, conList(t), 2, func(s string) string { return strings.Replace(s, ",Group ID", ",Group", 1) })
		}, "line 2", `missing column "Group ID"`},
		{"ofsi missing column of the new layout", ParseConList, func(t *testing.T) []byte {
			return ukReplaceLine(t, conList(t), 2, func(s string) string { return strings.Replace(s, "Alias Quality", "Quality", 1) })
		}, "line 2", `missing column "Alias Quality"`},
		{"ofsi truncated", ParseConList, func(t *testing.T) []byte {
			d := conList(t)
			return d[:len(d)-30]
		}, "line 12", "fields"},
		{"ofsi not a conlist", ParseConList, func(t *testing.T) []byte { return fcdoCSV(t) }, "line 1", "not an OFSI ConList"},
		{"ofsi xlsx", ParseConList, func(t *testing.T) []byte {
			return read(t, shareddata.Path(t, "uk/ofsi/2025-04-10.ConList.xlsx"))
		}, "", "xlsx"},
		{"ofsi html", ParseConList, func(t *testing.T) []byte { return html }, "", "HTML page"},
		{"ofsi row without group", ParseConList, func(t *testing.T) []byte {
			return ukReplaceLine(t, conList(t), 3, func(s string) string { return strings.Replace(s, ",99101", ",", 1) })
		}, "line 3", "without Group ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := tt.parse(context.Background(), []source.RawFile{{Name: "input.file", Data: tt.data(t)}})
			var pe *source.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *source.ParseError", pub, err)
			}
			t.Log(err)
			if pe.File != "input.file" || !strings.HasPrefix(pe.Pos, tt.pos) || (tt.pos == "" && pe.Pos != "") {
				t.Errorf("error at %q %q, want file input.file at %q", pe.File, pe.Pos, tt.pos)
			}
			if !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("error %q does not say %q", err, tt.errText)
			}
		})
	}
}

// A new column is not an error but a warning, and UKCSVUnknownColumns names it.
func TestUKSanctionsListNewColumn(t *testing.T) {
	data, err := os.ReadFile("testdata/small.UK-Sanctions-List.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i := 1; i < len(lines); i++ {
		if len(bytes.TrimSpace(lines[i])) == 0 {
			continue
		}
		extra := ",Risk Score"
		if i > 1 {
			extra = ",high"
		}
		lines[i] = append(bytes.TrimRight(lines[i], "\r\n"), []byte(extra+"\r\n")...)
	}
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	pub, err := ParseSanctionsList(context.Background(), []source.RawFile{{Name: "new.csv", Data: bytes.Join(lines, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	base := ukParseFile(t, "testdata/small.UK-Sanctions-List.csv", ParseSanctionsList)
	if !reflect.DeepEqual(pub.Entities, base.Entities) {
		t.Error("a new column changed the entities")
	}
	if !strings.Contains(logs.String(), "new column") || !strings.Contains(logs.String(), "column=\"Risk Score\"") {
		t.Errorf("no warning naming the column; log: %s", logs.String())
	}
	header, _ := csv.NewReader(bytes.NewReader(lines[1])).Read()
	if got := UKCSVUnknownColumns(header); !reflect.DeepEqual(got, []string{"Risk Score"}) {
		t.Errorf("UKCSVUnknownColumns = %q", got)
	}
}

// FuzzParseUK feeds both UK parsers arbitrary bytes: they must return a
// *ParseError or a valid publication, never panic.
func FuzzParseUK(f *testing.F) {
	for _, name := range []string{"small.UK-Sanctions-List.xml", "small.UK-Sanctions-List.csv", "small.ConList.csv", "small-2020.ConList.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, strings.HasSuffix(name, "ConList.csv"))
	}
	f.Fuzz(func(t *testing.T, data []byte, ofsi bool) {
		parse := ParseSanctionsList
		if ofsi {
			parse = ParseConList
		}
		pub, err := parse(context.Background(), []source.RawFile{{Name: "fuzz", Data: data}})
		if !sourcetest.CheckParse(t, pub, err, "fuzz") {
			return
		}
		for _, e := range pub.Entities {
			enc, err := e.Encode()
			if err != nil {
				t.Fatal(err)
			}
			again, err := tracker.DecodeEntity(enc)
			if err != nil {
				t.Fatal(err)
			}
			again.Canonicalize()
			if !again.Equal(e) {
				t.Fatalf("%s is not canonical", e.ID)
			}
		}
	})
}
