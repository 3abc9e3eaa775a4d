package eu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/sourcetest"
)

const (
	euExcerptXML = "eu/excerpts/2020-04-15.xmlFullSanctionsList_1_1-excerpt.xml"
	euExcerptCSV = "eu/excerpts/2024-10-02.csvFullSanctionsList_1_1-excerpt.csv"
)

// euFSFDates are the constructed eu/fsf files, oldest first.
var euFSFDates = []string{"2020-07-29", "2020-07-30", "2020-10-22", "2020-11-20"}

func euRead(t testing.TB, path string) source.RawFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return source.RawFile{Name: filepath.Base(path), Origin: path, Data: data}
}

func euParse(t testing.TB, f source.RawFile) *source.Publication {
	t.Helper()
	pub, err := Parse(context.Background(), []source.RawFile{f})
	if err != nil {
		t.Fatalf("Parse(%s): %v", f.Name, err)
	}
	return pub
}

func euByID(pub *source.Publication) map[string]*tracker.Entity {
	m := make(map[string]*tracker.Entity, len(pub.Entities))
	for _, e := range pub.Entities {
		m[e.ID] = e
	}
	return m
}

// TestParseEURealExcerpts spot-checks values of the real EU excerpts, as
// read off the files.
func TestParseEURealExcerpts(t *testing.T) {
	type want struct {
		id, name, designated string
		birthDates           []string
		birthPlaces          []string
		nationalities        []string
		aliases              int
		attrs                map[string]string
	}
	notice := tracker.Notice{
		Title: "1210/2003 (OJ L169)", Date: "2003-07-08",
		URL: "http://eur-lex.europa.eu/LexUriServ/LexUriServ.do?uri=OJ:L:2003:169:0006:0023:EN:PDF",
	}
	tests := []struct {
		file      string
		published string
		ids       []string
		want      []want
	}{{
		file:      euExcerptXML,
		published: "2020-04-15",
		ids:       []string{"13", "20", "23", "25", "29", "33", "39"},
		want: []want{
			// No designationDate: the date is the publication of the first
			// regulation (1210/2003, published 2003-07-08, in force
			// 2003-07-07), marked as taken from it.
			// The first nameAlias of EU.27.28 is the French "Abou Ali"; the
			// name is the untranslated alias with the lowest logicalId.
			{id: "13", name: "Saddam Hussein Al-Tikriti", designated: "2003-07-08", birthDates: []string{"1937-04-28"},
				birthPlaces: []string{"al-Awja, near Tikrit, IRAQ"}, nationalities: []string{"IRAQ"}, aliases: 2,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.27.28", "gender": "M"}},
			{id: "20", name: "Qusay Saddam Hussein Al-Tikriti", designated: "2003-07-08", birthDates: []string{"1965", "1966"},
				birthPlaces: []string{"Baghdad"}, nationalities: []string{"IRAQ"}, aliases: 1,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.39.56", "gender": "M"}},
			{id: "25", name: "Abid Hamid Mahmud Al-Tikriti", designated: "2003-07-08", birthDates: []string{"circa 1957"},
				birthPlaces: []string{"al-Awja, near Tikrit"}, nationalities: []string{"IRAQ"}, aliases: 6,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.11.43", "gender": "M", "title": "Col"}},
			// A birthdate element with a place but no date at all.
			{id: "29", name: "Ali Hassan Al-Majid Al-Tikriti", designated: "2003-07-08", birthDates: []string{"1943"},
				birthPlaces: []string{"Al-Awja, near Tikrit (J.O. ES)", "al-Awja, near Tikrit, IRAQ"}, nationalities: []string{"IRAQ"}, aliases: 1,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.22.9", "gender": "M"}},
			// Eleven nameAlias elements, several repeating a name with another function.
			{id: "33", name: "Izzat Ibrahim al-Duri", designated: "2003-07-08", birthDates: []string{"1942"},
				birthPlaces: []string{"Al-Dur (J.O. ES)", "al-Dur"}, nationalities: []string{"IRAQ"}, aliases: 4,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.42.11", "gender": "M"}},
		},
	}, {
		file:      euExcerptCSV,
		published: "2024-10-02",
		ids:       []string{"13", "20", "23", "25"},
		want: []want{
			{id: "13", name: "Saddam Hussein Al-Tikriti", designated: "2003-07-08", birthDates: []string{"1937-04-28"},
				birthPlaces: []string{"al-Awja, near Tikrit, IRAQ"}, nationalities: []string{"IQ"}, aliases: 2,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.27.28", "gender": "M"}},
			{id: "23", name: "Uday Saddam Hussein Al-Tikriti", designated: "2003-07-08", birthDates: []string{"1964", "1967"},
				birthPlaces: []string{"Baghdad"}, nationalities: []string{"IQ"}, aliases: 1,
				attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.16.62", "gender": "M"}},
			{id: "25", name: "Abid Hamid Mahmud Al-Tikriti", designated: "2003-07-08",
				aliases: 2, attrs: map[string]string{"designated_from_regulation": "1210/2003 (OJ L169)", "eu_reference_number": "EU.11.43", "gender": "M", "title": "Col"}},
		},
	}}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			pub := euParse(t, euRead(t, shareddata.Path(t, tt.file)))
			if pub.PublishedAt != tt.published {
				t.Errorf("PublishedAt = %q, want %q", pub.PublishedAt, tt.published)
			}
			var ids []string
			for _, e := range pub.Entities {
				ids = append(ids, e.ID)
				if e.Kind != tracker.KindPerson || !slices.Equal(e.Programs, []string{"IRQ"}) ||
					!slices.Equal(e.Notices, []tracker.Notice{notice}) {
					t.Errorf("%s: kind %q, programs %v, notices %v", e.ID, e.Kind, e.Programs, e.Notices)
				}
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
			byID := euByID(pub)
			for _, w := range tt.want {
				e := byID[w.id]
				if e == nil {
					t.Errorf("entity %s missing", w.id)
					continue
				}
				got := want{id: e.ID, name: e.Name, designated: e.Designated, birthDates: e.BirthDates,
					birthPlaces: e.BirthPlaces, nationalities: e.Nationalities, aliases: len(e.Aliases), attrs: e.Attrs}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("entity %s:\n got %+v\nwant %+v", w.id, got, w)
				}
			}
		})
	}
}

// TestParseEUExcerptsAgree: the real XML (2020) and CSV (2024) excerpts
// publish the same four Iraq listings; both parsers must read the same
// facts from them. Names, remarks and nationalities are published
// differently by the two formats (alias order, parentheses, country code)
// and are left out.
func TestParseEUExcerptsAgree(t *testing.T) {
	xmlPub := euByID(euParse(t, euRead(t, shareddata.Path(t, euExcerptXML))))
	csvPub := euParse(t, euRead(t, shareddata.Path(t, euExcerptCSV)))
	for _, c := range csvPub.Entities {
		x := xmlPub[c.ID]
		if x == nil {
			t.Errorf("%s in the CSV, not in the XML", c.ID)
			continue
		}
		if x.Kind != c.Kind || x.Designated != c.Designated || !slices.Equal(x.Programs, c.Programs) ||
			!slices.Equal(x.Notices, c.Notices) || x.Attrs[euAttrRef] != c.Attrs[euAttrRef] {
			t.Errorf("%s: XML and CSV disagree:\nxml %+v\ncsv %+v", c.ID, x, c)
		}
		// The CSV excerpt is cut inside EU.11.43's rows; the others are whole.
		if c.ID != "25" && (!slices.Equal(x.BirthDates, c.BirthDates) || !slices.Equal(x.BirthPlaces, c.BirthPlaces) ||
			!slices.Equal(x.Positions, c.Positions)) {
			t.Errorf("%s: birth or positions differ:\nxml %v %v %v\ncsv %v %v %v", c.ID,
				x.BirthDates, x.BirthPlaces, x.Positions, c.BirthDates, c.BirthPlaces, c.Positions)
		}
	}
}

// TestParseEUFixtures checks every field on hand-written fixtures that use
// the parts of the format the real excerpts lack: designationDate,
// identifications, addresses with contactInfo, year ranges, other calendars,
// remarks below details, elements unknown to the parser.
func TestParseEUFixtures(t *testing.T) {
	n2014 := tracker.Notice{Title: "269/2014 (OJ L78)", Date: "2014-03-17", URL: "http://data.europa.eu/eli/reg/2014/269/oj"}
	tests := []struct {
		file      string
		published string
		want      []*tracker.Entity
	}{{
		file:      "small.xml",
		published: "2024-03-01", // the date as written, though 2024-02-29 in UTC
		want: []*tracker.Entity{{
			ID: "1001", Kind: tracker.KindPerson, Name: "Ivan Ivanovich TESTOV",
			Aliases:       []tracker.Alias{{Name: "Иван Иванович ТЕСТОВ", Strength: "weak", Lang: "RU"}},
			Programs:      []string{"CYB", "UKR"},
			Designated:    "2022-05-16",
			BirthDates:    []string{"1400 (islamic calendar)", "1980-03", "circa 1978/1979"},
			BirthPlaces:   []string{"Kursk, RUSSIAN FEDERATION"},
			Nationalities: []string{"UKRAINE (Crimea)"},
			Positions:     []string{`Deputy head of "Unit" 99999`, "Officer of Unit 99999"},
			Addresses: []tracker.Address{{Street: "Komsomol'skiy Prospekt, 20, P.O. Box 1234", City: "Moscow",
				Region: "Khamovniki", PostalCode: "119146", Country: "RUSSIAN FEDERATION"}},
			Identifiers: []tracker.Identifier{
				{Type: "EMAIL", Value: "unit@example.invalid"},
				{Type: "National passport", Value: "7100000001", Country: "RUSSIAN FEDERATION",
					Note: "issued by Ministry of Foreign Affairs; issued 2015-06-01; valid to 2025-06-01; known false; Forged"},
				{Type: "PHONE", Value: "+7 000 000 00 00"},
			},
			Notices: []tracker.Notice{
				n2014,
				{Title: "2022/754 (OJ L138)", Date: "2022-05-16", URL: "http://data.europa.eu/eli/reg_impl/2022/754/oj"},
				{Title: "2023/250 (OJ L30)", Date: "2023-02-01", URL: "http://data.europa.eu/eli/reg_impl/2023/250/oj"},
			},
			Remarks: "Officer of a fictitious unit. Second remark; Low quality alias; Address at the time of listing",
			Attrs: map[string]string{"eu_reference_number": "EU.9001.01", "designation_details": "Listed for cyber-attacks",
				"gender": "M", "title": "Colonel"},
		}, {
			ID: "1002", Kind: tracker.KindEntity, Name: "Example Security Research Bureau",
			Aliases:    []tracker.Alias{{Name: "ESRB"}},
			Programs:   []string{"CYB"},
			Designated: "2020-07-30", // the earliest regulation, listed second
			Addresses:  []tracker.Address{{Street: "P.O. Box 77", Region: "Pyongyang", Country: "KP"}},
			Notices: []tracker.Notice{
				{Title: "2020/1125 (OJ L246)", Date: "2020-07-30", URL: "http://data.europa.eu/eli/reg_impl/2020/1125/oj"},
				{Title: "2020/1744 (OJ L393)", Date: "2020-11-20", URL: "http://data.europa.eu/eli/reg_impl/2020/1744/oj"},
			},
			Attrs: map[string]string{"eu_reference_number": "EU.9002.01", "un_id": "QDe.999", "designated_from_regulation": "2020/1125 (OJ L246)"},
		}, {
			ID: "1003", Kind: tracker.KindPerson, Name: "Omar EXAMPLE", // no wholeName: built from its parts
			Programs: []string{"LBY"}, Designated: "2016-01-19",
			BirthDates: []string{"1961-02-21"}, BirthPlaces: []string{"Tripoli, LIBYA"},
			Notices: []tracker.Notice{{Title: "2016/44 (OJ L12)", Date: "2016-01-19", URL: "http://data.europa.eu/eli/reg/2016/44/oj"}},
			Attrs:   map[string]string{"eu_reference_number": "EU.9003.01", "gender": "M", "designated_from_regulation": "2016/44 (OJ L12)"},
		}},
	}, {
		file:      "small.csv",
		published: "2024-03-01",
		want: []*tracker.Entity{{
			ID: "2001", Kind: tracker.KindPerson, Name: "Petr TESTOV",
			Aliases:       []tracker.Alias{{Name: "Пётр ТЕСТОВ", Lang: "RU"}},
			Programs:      []string{"CYB", "UKR"}, // the second regulation comes on a repeated row
			Designated:    "2014-03-17",
			BirthDates:    []string{"circa 1975-07"},
			BirthPlaces:   []string{"Tula, RUSSIAN FEDERATION"},
			Nationalities: []string{"RUSSIAN FEDERATION"},
			Positions:     []string{`Head of "Bureau" 7`},
			Addresses:     []tracker.Address{{Street: "Ul. Testovaya 1", City: "Moscow", PostalCode: "101000", Country: "RUSSIAN FEDERATION"}},
			Identifiers: []tracker.Identifier{
				{Type: "National passport", Value: "7200000002", Country: "RUSSIAN FEDERATION", Note: "reported lost; Issued abroad"},
				{Type: "contact info", Value: "PHONE +7 000 000 00 01"},
			},
			Notices: []tracker.Notice{n2014,
				{Title: "2023/60 (OJ L7)", Date: "2023-01-10", URL: "http://data.europa.eu/eli/reg_impl/2023/60/oj"}},
			Remarks: "(Fictitious; for tests)",
			Attrs:   map[string]string{"eu_reference_number": "EU.9101.01", "gender": "M", "designated_from_regulation": "269/2014 (OJ L78)"},
		}, {
			ID: "2002", Kind: tracker.KindEntity, Name: "Testing Bureau 7 LLC",
			Programs: []string{"CYB"}, Designated: "2020-07-30",
			Notices: []tracker.Notice{{Title: "2023/60 (OJ L7)", Date: "2023-01-10", URL: "http://data.europa.eu/eli/reg_impl/2023/60/oj"}},
			Attrs:   map[string]string{"eu_reference_number": "EU.9102.01"},
		}},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pub := euParse(t, euRead(t, filepath.Join("testdata", tt.file)))
			if pub.PublishedAt != tt.published {
				t.Errorf("PublishedAt = %q, want %q", pub.PublishedAt, tt.published)
			}
			if len(pub.Entities) != len(tt.want) {
				t.Fatalf("%d entities, want %d", len(pub.Entities), len(tt.want))
			}
			for i, w := range tt.want {
				if got := pub.Entities[i]; !reflect.DeepEqual(got, w) {
					t.Errorf("entity %s:\n got %+v\nwant %+v", w.ID, *got, *w)
				}
			}
		})
	}
}

// TestParseEUConstructed checks the counts eu/fsf/CHANGES.md states.
func TestParseEUConstructed(t *testing.T) {
	tests := []struct {
		date                    string
		total, cyb, persons, co int
	}{
		{"2020-07-29", 17, 0, 0, 0},
		{"2020-07-30", 26, 9, 6, 3},
		{"2020-10-22", 29, 12, 8, 4},
		{"2020-11-20", 28, 12, 8, 4},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			pub := euParse(t, euRead(t, shareddata.Path(t, "eu/fsf/"+tt.date+".xml")))
			if pub.PublishedAt != tt.date {
				t.Errorf("PublishedAt = %q", pub.PublishedAt)
			}
			var cyb, persons, co int
			for _, e := range pub.Entities {
				if (diff.Filter{Regimes: []string{"CYB"}}).Matches(e.Programs) {
					cyb++
					switch e.Kind {
					case tracker.KindPerson:
						persons++
					case tracker.KindEntity:
						co++
					}
				}
				if e.Name == "" || e.Kind == "" || e.Designated == "" || len(e.Notices) == 0 || e.Attrs[euAttrRef] == "" {
					t.Errorf("%s is missing a field: %+v", e.ID, e)
				}
			}
			if len(pub.Entities) != tt.total || cyb != tt.cyb || persons != tt.persons || co != tt.co {
				t.Errorf("total %d, CYB %d (%d persons + %d enterprises); want %d, %d (%d + %d)",
					len(pub.Entities), cyb, persons, co, tt.total, tt.cyb, tt.persons, tt.co)
			}
		})
	}
}

// euChange is one row of a CHANGES.md table.
type euChange struct {
	kind                tracker.ChangeKind
	ref, programme, id  string
	name, fieldsChanged string
}

// euReadChanges reads the tables of eu/fsf/CHANGES.md, keyed by the new
// file's date.
func euReadChanges(t *testing.T) map[string][]euChange {
	t.Helper()
	data, err := os.ReadFile(shareddata.Path(t, "eu/fsf/CHANGES.md"))
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`^## (\S+)\.xml -> (\S+)\.xml`)
	out := map[string][]euChange{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			cur = m[2]
			out[cur] = []euChange{} // a section with no rows still counts
			continue
		}
		cells := strings.Split(line, "|")
		if cur == "" || len(cells) < 8 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		kind := tracker.ChangeKind(strings.ToLower(cells[1]))
		if kind != tracker.Added && kind != tracker.Removed && kind != tracker.Amended {
			continue
		}
		out[cur] = append(out[cur], euChange{kind: kind, ref: cells[2], programme: cells[3], name: cells[4], id: cells[5], fieldsChanged: cells[6]})
	}
	if len(out) != len(euFSFDates)-1 {
		t.Fatalf("CHANGES.md: %d sections, want %d", len(out), len(euFSFDates)-1)
	}
	return out
}

// TestEUConstructedDiffs diffs consecutive eu/fsf files and compares the
// result with CHANGES.md: every change, and only those, with all regimes
// and with the CYB filter.
func TestEUConstructedDiffs(t *testing.T) {
	changes := euReadChanges(t)
	pubs := make([]*source.Publication, len(euFSFDates))
	for i, d := range euFSFDates {
		pubs[i] = euParse(t, euRead(t, shareddata.Path(t, "eu/fsf/"+d+".xml")))
	}
	cyb := diff.Filter{Regimes: []string{"CYB"}}
	for i := 1; i < len(euFSFDates); i++ {
		t.Run(euFSFDates[i-1]+"→"+euFSFDates[i], func(t *testing.T) {
			want := changes[euFSFDates[i]]
			all := diff.Compare("eu-fsf", pubs[i-1].Entities, pubs[i].Entities)
			for _, tc := range []struct {
				filter diff.Filter
				want   []euChange
			}{
				{diff.Filter{All: true}, want},
				{cyb, slices.DeleteFunc(slices.Clone(want), func(c euChange) bool { return c.programme != "CYB" })},
			} {
				got := tc.filter.Apply(all)
				var gotS, wantS []string
				for _, c := range got {
					gotS = append(gotS, fmt.Sprintf("%s %s %s %q %v", c.Kind, c.ID, c.Entity.Attrs[euAttrRef], c.Name, c.Programs))
				}
				for _, c := range tc.want {
					wantS = append(wantS, fmt.Sprintf("%s %s %s %q %v", c.kind, c.id, c.ref, c.name, []string{c.programme}))
				}
				slices.Sort(gotS)
				slices.Sort(wantS)
				if !slices.Equal(gotS, wantS) {
					t.Errorf("filter %+v:\n got %q\nwant %q", tc.filter, gotS, wantS)
				}
			}
			for _, w := range want {
				if w.kind == tracker.Amended {
					euCheckAmendment(t, all, w)
				}
			}
		})
	}
}

// euCheckAmendment checks the field-level changes of an amendment against
// the "fields changed" cell of CHANGES.md.
func euCheckAmendment(t *testing.T, all []tracker.Change, w euChange) {
	t.Helper()
	i := slices.IndexFunc(all, func(c tracker.Change) bool { return c.ID == w.id })
	if i < 0 {
		t.Errorf("no change for %s", w.id)
		return
	}
	fields := map[string]tracker.FieldChange{}
	var names []string
	for _, f := range all[i].Fields {
		fields[f.Field] = f
		names = append(names, f.Field)
	}
	// Every amendment in the fixtures comes with a new amending
	// regulation, which must show among the notices.
	reg := regexp.MustCompile(`-> "([^"]+ \(OJ [^)]+\))"`).FindStringSubmatch(w.fieldsChanged)
	newReg := "2020/1744 (OJ L393)" // CHANGES.md names it in the notes of the added alias
	if reg != nil {
		newReg = reg[1]
	}
	n := fields["notices"]
	if len(n.Added) != 1 || !strings.HasPrefix(n.Added[0], newReg+", ") || len(n.Removed) != 0 {
		t.Errorf("%s notices: added %q removed %q, want only %s added", w.id, n.Added, n.Removed, newReg)
	}

	fn := regexp.MustCompile(`\.function: "([^"]*)" -> "([^"]*)"`).FindStringSubmatch(w.fieldsChanged)
	alias := regexp.MustCompile(`nameAlias added \(wholeName="([^"]+)"\)`).FindStringSubmatch(w.fieldsChanged)
	switch {
	case fn != nil:
		if !slices.Equal(names, []string{"positions", "notices"}) {
			t.Errorf("%s changed %v, want positions and notices", w.id, names)
		}
		p := fields["positions"]
		if !slices.Equal(p.Before, []string{fn[1]}) || !slices.Equal(p.After, []string{fn[2]}) {
			t.Errorf("%s positions %q -> %q, want %q -> %q", w.id, p.Before, p.After, fn[1], fn[2])
		}
	case alias != nil:
		if !slices.Equal(names, []string{"aliases", "notices"}) {
			t.Errorf("%s changed %v, want aliases and notices", w.id, names)
		}
		a := fields["aliases"]
		if len(a.Added) != 1 || !strings.HasPrefix(a.Added[0], alias[1]+" (") || len(a.Removed) != 0 {
			t.Errorf("%s aliases: added %q removed %q, want %q added", w.id, a.Added, a.Removed, alias[1])
		}
	default:
		t.Errorf("%s: cannot read the expected change %q", w.id, w.fieldsChanged)
	}
}

// euTruncations cuts a real file where a download could stop: inside the
// XML declaration, inside the root tag, right after a complete entity
// (everything read so far is valid), mid-file, just before </export>.
func euTruncations(data []byte) map[string][]byte {
	afterEntity := bytes.Index(data, []byte("</sanctionEntity>")) + len("</sanctionEntity>\n")
	beforeEnd := bytes.LastIndex(data, []byte("</export>"))
	return map[string][]byte{
		"in declaration":      data[:30],
		"in root tag":         data[:bytes.Index(data, []byte("globalFileId"))],
		"after first entity":  data[:afterEntity],
		"mid-file":            data[:len(data)/2],
		"before </export>":    data[:beforeEnd],
		"inside </export>":    data[:beforeEnd+5],
		"in an attribute":     data[:bytes.Index(data, []byte(`wholeName="`))+15],
		"after a start tag":   data[:bytes.Index(data, []byte("<nameAlias"))],
		"between two details": data[:bytes.Index(data, []byte("</nameAlias>"))+len("</nameAlias>")],
	}
}

func TestParseEUBadInput(t *testing.T) {
	fsf := euRead(t, shareddata.Path(t, "eu/fsf/2020-11-20.xml")).Data
	csvExcerpt := euRead(t, shareddata.Path(t, euExcerptCSV)).Data
	html, err := os.ReadFile("testdata/error-500.html")
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name    string
		data    []byte
		wantErr string
		wantPos string // a prefix; "" when the whole file is at fault
	}
	tests := []tc{
		{"html error page", html, `not an EU FSF file: an HTML page titled "500 Internal Server Error"`, "line 1"},
		{"xhtml error page", []byte(`<?xml version="1.0"?>` + "\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>Service Unavailable</body></html>"),
			"not an EU FSF file: root element <html>, want <export>", "line 2"},
		{"empty body", nil, "empty file", ""},
		{"white space", []byte(" \r\n\t\n"), "empty file", ""},
		{"byte order mark only", []byte("\xef\xbb\xbf"), "empty file", ""},
		{"OFAC sdn.xml", euRead(t, shareddata.Path(t, "ofac/xml/2020-04-22.sdn-excerpt.xml")).Data,
			"not an EU FSF file: root element <sdnList>", "line "},
		{"UK Sanctions List XML", euRead(t, shareddata.Path(t, "uk/fcdo/2023-06-05.UK-Sanctions-List.xml")).Data,
			"not an EU FSF file: root element <Designations>", "line "},
		{"UK Sanctions List CSV", euRead(t, shareddata.Path(t, "uk/fcdo/2023-06-05.UK-Sanctions-List.csv")).Data,
			"not an EU FSF file: neither XML nor the FSF CSV header", "line 1"},
		{"truncated CSV", csvExcerpt[:len(csvExcerpt)/2], "wrong number of fields", "line "},
		{"CSV header only", csvExcerpt[:bytes.IndexByte(csvExcerpt, '\n')+1], "no entries", ""},
		{"XML without entities", []byte(`<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2020-04-15T15:29:22.497+02:00"/>`), "no entries", ""},
		{"text, not XML", []byte("Service temporarily unavailable"), "not an EU FSF file", "line 1"},
	}
	for name, data := range euTruncations(fsf) {
		tests = append(tests, tc{"truncated XML " + name, data, "", "line "})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := Parse(context.Background(), []source.RawFile{{Name: "content", Data: tt.data}})
			if pub != nil {
				t.Errorf("got a publication of %d entities", len(pub.Entities))
			}
			var pe *source.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *source.ParseError", err, err)
			}
			if pe.File != "content" || !strings.HasPrefix(pe.Pos, tt.wantPos) || (tt.wantPos == "" && pe.Pos != "") {
				t.Errorf("err %q: file %q pos %q, want pos %q", err, pe.File, pe.Pos, tt.wantPos)
			}
			want := tt.wantErr
			if want == "" {
				want = "truncated" // every cut XML must say so
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %q, want it to contain %q", err, want)
			}
		})
	}
}

// TestParseEUBadRecords: a record the parser cannot read fails the whole
// file with its position, rather than being dropped (which the diff would
// announce as a delisting).
func TestParseEUBadRecords(t *testing.T) {
	const head = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2020-04-15T15:29:22.497+02:00">` + "\n"
	const good = `<sanctionEntity logicalId="1"><subjectType code="person"/><nameAlias wholeName="A"/></sanctionEntity>` + "\n"
	csvHeader := "fileGenerationDate;Entity_LogicalId;Entity_Regulation_Programme;NameAlias_WholeName\n"
	tests := []struct {
		name, data, wantErr, wantPos string
	}{
		{"entity without logicalId", head + good + `<sanctionEntity euReferenceNumber="EU.1.1"><nameAlias wholeName="B"/></sanctionEntity></export>`,
			"entity without logicalId", "line 4"},
		{"entity without name", head + good + `<sanctionEntity logicalId="2">` + "\n" + `<nameAlias wholeName="" firstName=""/></sanctionEntity></export>`,
			"entity without a name", "line 4 (logicalId 2)"},
		{"mismatched end tag", head + good + `<sanctionEntity logicalId="2"><nameAlias wholeName="B"></sanctionEntity></export>`,
			"XML syntax error: element <nameAlias> closed by </sanctionEntity>", "line 4"},
		{"bad character", head + good + "<sanctionEntity logicalId=\"2\"><nameAlias wholeName=\"B\x01\"/></sanctionEntity></export>",
			"control character 0x01", "line 4"},
		{"duplicate logicalId", head + good + good + `</export>`, "sanctionEntity logicalId 1 again (first on line 3)", "line 4"},
		{"bad generationDate", strings.Replace(head, "2020-04-15T15:29:22.497+02:00", "15/04/2020", 1) + good + `</export>`,
			`generationDate: "15/04/2020" is not a date (want YYYY-MM-DD)`, "line 2"},
		{"second root", head + good + "</export>\n<export/>", "element <export> after the end of <export>", "line 5"},
		{"CSV row without entity id", csvHeader + "01/02/2024;7;CYB;A\n01/02/2024;;CYB;B\n", "row without Entity_LogicalId", "line 3"},
		{"CSV row too long", csvHeader + "01/02/2024;7;CYB;A\n01/02/2024;8;CYB;B;extra\n", "wrong number of fields", "line 3"},
		{"CSV without name column", "fileGenerationDate;Entity_LogicalId;Entity_Regulation_Programme\n01/02/2024;7;CYB\n",
			"the header lacks NameAlias_WholeName", "line 1"},
		{"CSV bad date", csvHeader + "yesterday;7;CYB;A\n", `fileGenerationDate: "yesterday" is not a date`, "line 2"},
		{"CSV entity without name", csvHeader + "01/02/2024;7;CYB;A\n01/02/2024;8;CYB;\n", "entity without a name", "line 3"},
		{"CSV invalid UTF-8", csvHeader + "01/02/2024;7;CYB;A\n01/02/2024;8;CYB;B\xe9ATRICE\n", "invalid UTF-8 (byte 0xE9)", "line 3 col 19 (offset 121)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := Parse(context.Background(), []source.RawFile{{Name: "fsf", Data: []byte(tt.data)}})
			var pe *source.ParseError
			if pub != nil || !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *source.ParseError", pub, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(pe.Pos, tt.wantPos) {
				t.Errorf("err = %q (pos %q), want %q at %q", err, pe.Pos, tt.wantErr, tt.wantPos)
			}
		})
	}
}

func TestParseEUFileCount(t *testing.T) {
	f := euRead(t, "testdata/small.xml")
	for _, files := range [][]source.RawFile{nil, {f, f}} {
		if _, err := Parse(context.Background(), files); err == nil || !strings.Contains(err.Error(), "want the one FSF file") {
			t.Errorf("%d files: err = %v", len(files), err)
		}
	}
}

func TestParseEUCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := euBenchFile(t, 1<<20)
	pub, err := Parse(ctx, []source.RawFile{{Name: "big.xml", Data: data}})
	if pub != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, %v; want context.Canceled", pub, err)
	}
}

// FuzzParseEU: whatever the input, Parse returns either a publication of
// named entities with unique ids or a *ParseError, and never panics.
func FuzzParseEU(f *testing.F) {
	for _, name := range []string{"small.xml", "small.csv", "error-500.html"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/3])
	}
	f.Add([]byte(`<export><sanctionEntity logicalId="1"><nameAlias wholeName="A"/><birthdate year="19" monthOfYear="13"/></sanctionEntity></export>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := Parse(context.Background(), []source.RawFile{{Name: "fuzz", Data: data}})
		sourcetest.CheckParse(t, pub, err, "fuzz")
	})
}

// TestEUPrimaryNameIgnoresOrder: the entity's name is its untranslated
// alias (else the English one, else a strong one), whatever the order of
// the nameAlias elements or CSV rows, in several languages.
func TestEUPrimaryNameIgnoresOrder(t *testing.T) {
	type alias struct{ name, lang, strong, id string }
	cases := []struct {
		name    string
		aliases []alias
		want    string
	}{
		{"untranslated among translations", []alias{
			{"Sandworm-Gruppe", "DE", "true", "301"}, {"Sandworm", "", "true", "300"}, {"Groupe Sandworm", "FR", "true", "302"}, {"Песчаный червь", "RU", "false", "303"},
		}, "Sandworm"},
		{"two untranslated: the older logicalId", []alias{
			{"Voodoo Bear", "", "true", "412"}, {"Главный центр специальных технологий", "RU", "true", "405"}, {"Main Centre for Special Technologies", "", "true", "401"}, {"Hauptzentrum", "DE", "true", "409"},
		}, "Main Centre for Special Technologies"},
		{"no untranslated: English", []alias{
			{"Chosen Expo (SV)", "SV", "true", "501"}, {"Chosen Expo", "EN", "true", "503"}, {"Chosen Expo (DE)", "DE", "true", "502"},
		}, "Chosen Expo"},
		{"only translations: the strong one", []alias{
			{"APT28 (weak)", "SV", "false", "601"}, {"APT28", "DE", "true", "603"}, {"Fancy Bear", "FR", "false", "602"},
		}, "APT28"},
	}
	for _, tc := range cases {
		for _, order := range permutations(len(tc.aliases)) {
			var x, c strings.Builder
			x.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2024-03-01T00:30:00.000+01:00" globalFileId="1">` + "\n")
			x.WriteString(`<sanctionEntity euReferenceNumber="EU.1.1" logicalId="77" designationDate="2020-07-30"><subjectType code="enterprise" classificationCode="E"/>` + "\n")
			c.WriteString("fileGenerationDate;Entity_LogicalId;Entity_DesignationDate;Entity_SubjectType;Entity_Regulation_Programme;NameAlias_WholeName;NameAlias_NameLanguage;NameAlias_Strong;NameAlias_LogicalId\n")
			for _, i := range order {
				a := tc.aliases[i]
				fmt.Fprintf(&x, `<nameAlias wholeName="%s" nameLanguage="%s" strong="%s" logicalId="%s"/>`+"\n", a.name, a.lang, a.strong, a.id)
				fmt.Fprintf(&c, "01/03/2024;77;2020-07-30;E;CYB;%s;%s;%s;%s\n", a.name, a.lang, a.strong, a.id)
			}
			x.WriteString("</sanctionEntity>\n</export>\n")
			for format, data := range map[string]string{"fsf.xml": x.String(), "fsf.csv": c.String()} {
				pub, err := Parse(context.Background(), []source.RawFile{{Name: format, Data: []byte(data)}})
				if err != nil {
					t.Fatalf("%s %s order %v: %v", tc.name, format, order, err)
				}
				e := pub.Entities[0]
				if e.Name != tc.want {
					t.Errorf("%s %s order %v: name %q, want %q", tc.name, format, order, e.Name, tc.want)
				}
				if len(e.Aliases) != len(tc.aliases)-1 {
					t.Errorf("%s %s order %v: %d aliases, want %d", tc.name, format, order, len(e.Aliases), len(tc.aliases)-1)
				}
				for _, a := range e.Aliases {
					if a.Name == tc.want {
						t.Errorf("%s %s: the name is also an alias", tc.name, format)
					}
				}
			}
		}
	}
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}
