package ofac

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/diff"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/sourcetest"
)

// The real OFAC files in the shared data.
var (
	ofacSDNCSVDates = []string{
		"2021-08-18", "2021-09-17", "2021-09-21", "2021-10-29", "2021-11-08", "2022-09-09", "2022-09-14",
		"2023-02-08", "2023-02-09", "2023-09-06", "2023-09-07", "2024-03-04", "2024-03-05", "2024-05-03",
	}
	ofacTrioDates     = []string{"2019-01-04", "2021-04-25", "2021-07-07"}
	ofacConsXMLDates  = []string{"2020-03-17", "2022-03-24", "2025-03-28"}
	ofacConstructed   = []string{"2025-06-30", "2025-11-19"}
	ofacCons2025Files = []string{"cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"}
)

const ofacExcerptXML = "ofac/xml/2020-04-22.sdn-excerpt.xml"

func ofacRead(tb testing.TB, path string) source.RawFile {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return source.RawFile{Name: filepath.Base(path), Origin: path, Data: data}
}

// ofacReadDir reads the named files of one folder of the shared data.
func ofacReadDir(tb testing.TB, dir string, names ...string) []source.RawFile {
	tb.Helper()
	files := make([]source.RawFile, len(names))
	for i, n := range names {
		files[i] = ofacRead(tb, shareddata.Path(tb, dir+"/"+n))
	}
	return files
}

func ofacParse(tb testing.TB, files ...source.RawFile) *source.Publication {
	tb.Helper()
	pub, err := Parse(context.Background(), files)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return pub
}

func ofacByID(pub *source.Publication) map[string]*tracker.Entity {
	m := make(map[string]*tracker.Entity, len(pub.Entities))
	for _, e := range pub.Entities {
		m[e.ID] = e
	}
	return m
}

// ofacCSVLines counts the records of a legacy CSV file the simple way: its
// lines, less the DOS end-of-file byte. No real OFAC field holds a line
// break, so lines and records are the same.
func ofacCSVLines(data []byte) int {
	data = bytes.TrimRight(data, "\x1a")
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// ofacXMLCounts counts an sdn.xml's entries by text search, and reads the
// count and date its header states.
func ofacXMLCounts(t *testing.T, data []byte) (entries, recordCount int, publishDate string) {
	t.Helper()
	entries = bytes.Count(data, []byte("<sdnEntry>"))
	m := regexp.MustCompile(`<Record_Count>(\d+)</Record_Count>`).FindSubmatch(data)
	d := regexp.MustCompile(`<Publish_Date>(\d\d)/(\d\d)/(\d{4})</Publish_Date>`).FindSubmatch(data)
	if m == nil || d == nil {
		t.Fatal("no Record_Count or Publish_Date in the file")
	}
	recordCount, _ = strconv.Atoi(string(m[1]))
	return entries, recordCount, string(d[3]) + "-" + string(d[1]) + "-" + string(d[2])
}

func ofacHasProgram(e *tracker.Entity, p string) bool { return slices.Contains(e.Programs, p) }

func ofacHasID(e *tracker.Entity, typ, value string) bool {
	return slices.ContainsFunc(e.Identifiers, func(i tracker.Identifier) bool { return i.Type == typ && i.Value == value })
}

// TestParseOFACSDNCSV reads every real sdn.csv on its own, the way the
// history archive holds them: one entity per line, and the CYBER2 count
// found in the raw lines.
func TestParseOFACSDNCSV(t *testing.T) {
	cyberLine := regexp.MustCompile(`(?m)^\d+,"[^"]*",[^,]*,"[^"]*\bCYBER2\b`)
	for _, date := range ofacSDNCSVDates {
		t.Run(date, func(t *testing.T) {
			f := ofacRead(t, shareddata.Path(t, "ofac/sdn-csv/"+date+".sdn.csv"))
			pub := ofacParse(t, f)
			if want := ofacCSVLines(f.Data); len(pub.Entities) != want {
				t.Errorf("%d entities, want %d (lines)", len(pub.Entities), want)
			}
			if pub.PublishedAt != "" {
				t.Errorf("PublishedAt %q: the legacy CSV states no date", pub.PublishedAt)
			}
			cyber := 0
			for _, e := range pub.Entities {
				if ofacHasProgram(e, "CYBER2") {
					cyber++
				}
			}
			if want := len(cyberLine.FindAll(f.Data, -1)); cyber != want {
				t.Errorf("%d CYBER2 entities, want %d", cyber, want)
			}
			// The shared data README states the range: 161 → 243.
			if date == ofacSDNCSVDates[0] && cyber != 161 || date == ofacSDNCSVDates[len(ofacSDNCSVDates)-1] && cyber != 243 {
				t.Errorf("%d CYBER2 entities, the README says otherwise", cyber)
			}
		})
	}
}

// TestParseOFACTrios reads the full legacy sets: every alt.csv row becomes a
// strong alias, every add.csv row with any content an address.
func TestParseOFACTrios(t *testing.T) {
	for _, date := range ofacTrioDates {
		t.Run(date, func(t *testing.T) {
			files := ofacReadDir(t, "ofac/sdn-csv-trio/"+date, "sdn.csv", "add.csv", "alt.csv")
			pub := ofacParse(t, files...)
			if want := ofacCSVLines(files[0].Data); len(pub.Entities) != want {
				t.Errorf("%d entities, want %d (lines of sdn.csv)", len(pub.Entities), want)
			}
			strong, addrs := 0, 0
			for _, e := range pub.Entities {
				addrs += len(e.Addresses)
				for _, a := range e.Aliases {
					if a.Strength == "strong" {
						strong++
					}
				}
			}
			// OFAC lists a few aliases twice under two alt_nums; an alias
			// set holds them once.
			distinct := map[string]bool{}
			for line := range strings.Lines(string(bytes.TrimRight(files[2].Data, "\x1a"))) {
				f := strings.SplitN(line, ",", 3)
				distinct[f[0]+","+strings.TrimSpace(f[2])] = true
			}
			if want := len(distinct); strong != want {
				t.Errorf("%d strong aliases, want %d (distinct rows of alt.csv)", strong, want)
			}
			emptyAddr := regexp.MustCompile(`(?m)^\d+,\d+,-0- ?,-0- ?,-0- ?,`)
			if want := ofacCSVLines(files[1].Data) - len(emptyAddr.FindAll(files[1].Data, -1)); addrs != want {
				t.Errorf("%d addresses, want %d (lines of add.csv with an address)", addrs, want)
			}
		})
	}
}

// TestParseOFACComments: sdn_comments.csv holds the rest of remarks longer
// than the column's 1000 characters, cut mid-word; joined back, the SUEX
// entry gets the identifiers the continuation holds, including the bitcoin
// address the cut split in two.
func TestParseOFACComments(t *testing.T) {
	const dir = "ofac/sdn-csv-trio/2025-05-16-excerpt"
	files := ofacReadDir(t, dir, "sdn.csv", "sdn_comments.csv")
	withComments := ofacByID(ofacParse(t, files...))
	without := ofacByID(ofacParse(t, files[0]))
	if want := ofacCSVLines(files[0].Data); len(withComments) != want || len(without) != want {
		t.Fatalf("%d and %d entities, want %d", len(withComments), len(without), want)
	}

	// The address the cut split: the tail of the main row's remarks and
	// the head of the comment row.
	row := regexp.MustCompile(`(?m)^33151,.*Digital Currency Address - XBT (\w+)"\r?$`).FindSubmatch(files[0].Data)
	cont := regexp.MustCompile(`(?m)^33151,"(\w+);`).FindSubmatch(files[1].Data)
	if row == nil || cont == nil {
		t.Fatal("the excerpt does not look as expected")
	}
	split := string(row[1]) + string(cont[1])

	suex := withComments["33151"]
	if suex == nil || suex.Name != "SUEX OTC, S.R.O." || !ofacHasProgram(suex, "CYBER2") {
		t.Fatalf("33151 = %+v", suex)
	}
	for _, id := range []tracker.Identifier{
		{Type: "Digital Currency Address - XBT", Value: split},
		{Type: "Digital Currency Address - ETH", Value: "0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535"},
		{Type: "Digital Currency Address - USDT", Value: "16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H"},
		{Type: "Organization Established Date", Value: "25 Sep 2018"},
		{Type: "Company Number", Value: "07486049", Country: "Czech Republic"},
		{Type: "Legal Entity Number", Value: "5299007NTWCC3U23WM81", Country: "Czech Republic"},
		{Type: "Secondary sanctions risk", Value: "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201"},
	} {
		if !slices.Contains(suex.Identifiers, id) {
			t.Errorf("SUEX lacks %v", id)
		}
		if slices.Contains(without["33151"].Identifiers, id) {
			t.Errorf("SUEX has %v without sdn_comments.csv", id)
		}
	}
	if !slices.Contains(suex.Aliases, tracker.Alias{Name: "SUCCESSFUL EXCHANGE", Type: "aka", Strength: "weak"}) {
		t.Errorf("SUEX aliases %v lack the weak a.k.a. of the comment", suex.Aliases)
	}
	if suex.Remarks != "" {
		t.Errorf("SUEX remarks %q: every item of its remarks has a field", suex.Remarks)
	}
	// Without the comments nothing of the main row is lost: the cut half
	// of the address stays in the remarks.
	if got := without["33151"].Remarks; got != "alt. Digital Currency Address - XBT "+string(row[1]) {
		t.Errorf("remarks without sdn_comments.csv = %q", got)
	}
	for id, e := range withComments {
		if id != "33151" && !e.Equal(without[id]) {
			t.Errorf("%s differs with and without the comments, which have no row for it", id)
		}
	}
}

// TestParseOFACExcerptInconsistent: the 2025-05-16 excerpt's add.csv and
// alt.csv were cut from the full files by a different rule than its sdn.csv,
// and refer to entries it does not hold. Attaching those rows to nothing, or
// to the wrong entry, would be silent damage: the set is rejected.
func TestParseOFACExcerptInconsistent(t *testing.T) {
	files := ofacReadDir(t, "ofac/sdn-csv-trio/2025-05-16-excerpt", "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
	_, err := Parse(context.Background(), files)
	var pe *source.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *source.ParseError", err)
	}
	// add.csv is read before alt.csv; its line 12 is the first row whose
	// ent_num (12562) is not in sdn.csv.
	if pe.File != "add.csv" || pe.Pos != "line 12" || !strings.Contains(err.Error(), "ent_num 12562 is not in sdn.csv") {
		t.Errorf("err = %q", err)
	}
}

// TestParseOFACConsCSV reads the full Consolidated CSV set of 2025-12-19.
func TestParseOFACConsCSV(t *testing.T) {
	files := ofacReadDir(t, "ofac/cons-csv/2025-12-19", ofacCons2025Files...)
	pub := ofacParse(t, files...)
	if want := ofacCSVLines(files[0].Data); len(pub.Entities) != want {
		t.Errorf("%d entities, want %d", len(pub.Entities), want)
	}
	byID := ofacByID(pub)
	// 30930's remarks end, after the 1000-character cut, in the comment
	// row: "(China); a.k.a. 'CCCC'."
	e := byID["30930"]
	if e == nil || !slices.Contains(e.Aliases, tracker.Alias{Name: "CCCC", Type: "aka", Strength: "weak"}) ||
		!slices.ContainsFunc(e.Identifiers, func(i tracker.Identifier) bool { return i.Country == "China" && strings.HasSuffix(i.Type, "(USCC)") }) {
		t.Errorf("30930 = %+v", e)
	}
}

// TestParseOFACXML reads the three real Consolidated XML files (two
// namespaces): as many entities as sdnEntry elements and as Record_Count
// says, and the Publish_Date.
func TestParseOFACXML(t *testing.T) {
	var paths []string
	for _, d := range ofacConsXMLDates {
		paths = append(paths, "ofac/xml/"+d+".consolidated.xml")
	}
	for _, d := range ofacConstructed {
		paths = append(paths, "ofac/constructed/"+d+".sdn.xml")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f := ofacRead(t, shareddata.Path(t, p))
			entries, count, date := ofacXMLCounts(t, f.Data)
			pub := ofacParse(t, f)
			if len(pub.Entities) != entries || len(pub.Entities) != count {
				t.Errorf("%d entities, want %d sdnEntry elements and Record_Count %d", len(pub.Entities), entries, count)
			}
			if pub.PublishedAt != date || !strings.HasPrefix(filepath.Base(p), date) {
				t.Errorf("PublishedAt %q, want %q (Publish_Date, and the file's name)", pub.PublishedAt, date)
			}
		})
	}
}

// TestParseOFACXMLExcerpt: the real 2020 sdn.xml excerpt keeps the full
// list's Record_Count (8197) over 7 entries. Taken as it is, it is refused:
// a well-formed file with fewer entries than it states is exactly what a
// server-side cut looks like, and the missing entries would be announced as
// delistings. With its count set right, its entries are read, and each
// equals the same uid in the CSV trio of a year later: the two formats give
// the same entity.
func TestParseOFACXMLExcerpt(t *testing.T) {
	f := ofacRead(t, shareddata.Path(t, ofacExcerptXML))
	_, err := Parse(context.Background(), []source.RawFile{f})
	var pe *source.ParseError
	if !errors.As(err, &pe) || pe.File != f.Name || !strings.Contains(err.Error(), "Record_Count is 8197 but the file holds 7 sdnEntry elements") {
		t.Fatalf("err = %v, want the count mismatch", err)
	}

	entries, _, _ := ofacXMLCounts(t, f.Data)
	fixed := f
	fixed.Data = regexp.MustCompile(`<Record_Count>\d+</Record_Count>`).ReplaceAll(f.Data, []byte(fmt.Sprintf("<Record_Count>%d</Record_Count>", entries)))
	pub := ofacParse(t, fixed)
	if len(pub.Entities) != entries || pub.PublishedAt != "2020-04-22" {
		t.Fatalf("%d entities published %q", len(pub.Entities), pub.PublishedAt)
	}
	trio := ofacByID(ofacParse(t, ofacReadDir(t, "ofac/sdn-csv-trio/2021-04-25", "sdn.csv", "add.csv", "alt.csv")...))
	for _, x := range pub.Entities {
		c := trio[x.ID]
		if c == nil {
			t.Errorf("%s is not in the 2021-04-25 trio", x.ID)
			continue
		}
		if !x.Equal(c) {
			t.Errorf("%s: XML and CSV differ: %+v", x.ID, diff.Fields(x, c))
		}
	}
}

// TestParseOFACFormatsAgree compares the Consolidated list in CSV
// (2025-12-19) with its XML of nine months before (2025-03-28). Most
// entries did not change in between, and those must compare equal on
// every field the CSV carries the same way.
//
// Addresses are the exception, and are checked by OFAC's own rule instead:
// the CSV's one city column is "City, State Postal", which cannot be split
// back, while the XML keeps the three apart.
func TestParseOFACFormatsAgree(t *testing.T) {
	csvPub := ofacParse(t, ofacReadDir(t, "ofac/cons-csv/2025-12-19", ofacCons2025Files...)...)
	xmlPub := ofacByID(ofacParse(t, ofacRead(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))))
	common, equal, addrSame, addrAll := 0, 0, 0, 0
	fieldDiffs := map[string]int{}
	for _, c := range csvPub.Entities {
		x := xmlPub[c.ID]
		if x == nil {
			continue
		}
		common++
		var asCSV []tracker.Address
		for _, a := range x.Addresses {
			city := strings.TrimSpace(source.JoinTrimmed(", ", a.City, a.Region) + " " + a.PostalCode)
			asCSV = append(asCSV, tracker.Address{Street: a.Street, City: city, Country: a.Country})
		}
		xc := *x
		xc.Addresses = asCSV
		xc.Canonicalize()
		addrAll++
		if slices.Equal(xc.Addresses, c.Addresses) {
			addrSame++
		}
		if xc.Equal(c) {
			equal++
			continue
		}
		for _, fc := range diff.Fields(&xc, c) {
			fieldDiffs[fc.Field]++
		}
	}
	t.Logf("%d entries in both, %d equal; differing fields: %v", common, equal, fieldDiffs)
	if common < 400 {
		t.Fatalf("only %d entries in both files", common)
	}
	// What differs is what OFAC changed in nine months (new Russia
	// directives on a few dozen entries), and remarks whose last item ends
	// in a period of its own, which the CSV cannot show.
	if equal < common*9/10 {
		t.Errorf("only %d of %d entries equal", equal, common)
	}
	if addrSame < addrAll*95/100 {
		t.Errorf("only %d of %d entries' addresses follow the CSV's rendering of the XML's", addrSame, addrAll)
	}
}

// TestParseOFACSpotChecks checks real content against the raw files.
func TestParseOFACSpotChecks(t *testing.T) {
	sdn2024 := ofacByID(ofacParse(t, ofacRead(t, shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv"))))
	excerpt2025 := ofacByID(ofacParse(t, ofacRead(t, shareddata.Path(t, "ofac/sdn-csv-trio/2025-05-16-excerpt/sdn.csv"))))
	trio2021 := ofacByID(ofacParse(t, ofacReadDir(t, "ofac/sdn-csv-trio/2021-04-25", "sdn.csv", "add.csv", "alt.csv")...))
	cons2025 := ofacByID(ofacParse(t, ofacRead(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))))
	constructed := ofacByID(ofacParse(t, ofacRead(t, shareddata.Path(t, "ofac/constructed/2025-11-19.sdn.xml"))))

	tests := []struct {
		name  string
		e     *tracker.Entity
		check func(e *tracker.Entity) error
	}{
		{"CYBER2 individual with crypto wallets (sdn.csv 2024-05-03)", sdn2024["29702"], func(e *tracker.Entity) error {
			if e.Name != "LIFSHITS, Artem Mikhaylovich" || e.Kind != tracker.KindPerson ||
				!slices.Equal(e.Programs, []string{"CYBER2", "ELECTION-EO13848"}) {
				return fmt.Errorf("name/kind/programs")
			}
			if !slices.Equal(e.BirthDates, []string{"1992-12-26"}) || !slices.Equal(e.Nationalities, []string{"Russia"}) {
				return fmt.Errorf("birth dates %v, nationalities %v", e.BirthDates, e.Nationalities)
			}
			for _, id := range [][2]string{
				{"Digital Currency Address - XBT", "12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz"},
				{"Digital Currency Address - XBT", "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U"},
				{"Digital Currency Address - ETH", "0x901bb9583b24d97e995513c6778dc6888ab6870e"},
				{"Digital Currency Address - LTC", "Leo3j36nn1JcsUQruytQhFUdCdCH5YHMR3"},
				{"Digital Currency Address - DASH", "Xs3vzQmNvAxRa3Xo8XzQqUb3BMgb9EogF4"},
				{"Email Address", "artemlv@hotmail.com"},
				{"Gender", "Male"},
				{"Passport", "719032284"},
			} {
				if !ofacHasID(e, id[0], id[1]) {
					return fmt.Errorf("no %v", id)
				}
			}
			return nil
		}},
		{"CYBER2 individual: weak alias, passports (2025-05-16 excerpt)", excerpt2025["48603"], func(e *tracker.Entity) error {
			if e.Name != "KHOROSHEV, Dmitry Yuryevich" || !slices.Equal(e.Aliases, []tracker.Alias{{Name: "LOCKBITSUPP", Type: "aka", Strength: "weak"}}) {
				return fmt.Errorf("name %q aliases %v", e.Name, e.Aliases)
			}
			if !slices.Contains(e.Identifiers, tracker.Identifier{Type: "Passport", Value: "2006801524", Country: "Russia"}) ||
				!slices.Equal(e.BirthPlaces, []string{"Russian Federation"}) {
				return fmt.Errorf("identifiers %v", e.Identifiers)
			}
			return nil
		}},
		{"vessel (sdn.csv 2024-05-03)", sdn2024["47371"], func(e *tracker.Entity) error {
			if e.Kind != tracker.KindVessel || e.Attrs[ofacAttrVesselType] != "Crude Oil Tanker" || e.Attrs[ofacAttrVesselFlag] != "Gabon" ||
				!ofacHasID(e, ofacCallSign, "A8LU7") || !ofacHasID(e, "Identification Number", "IMO 9339301") || !ofacHasID(e, "MMSI", "636013272") {
				return fmt.Errorf("vessel fields")
			}
			if e.Remarks != "Linked To: NS LEADER SHIPPING INCORPORATED" {
				return fmt.Errorf("remarks %q", e.Remarks)
			}
			return nil
		}},
		{"partial and ranged birth dates, title (trio 2021-04-25)", trio2021["12057"], func(e *tracker.Entity) error {
			if !slices.Equal(e.BirthDates, []string{"1951 to 1953", "1953", "1960 to 1962", "1961-04"}) {
				return fmt.Errorf("birth dates %v", e.BirthDates)
			}
			if len(e.Positions) != 3 || !slices.Contains(e.Positions, "President of the Organization of the Basij of the Oppressed") {
				return fmt.Errorf("positions %v", e.Positions)
			}
			if strings.Contains(e.Remarks, "President of the Organization") {
				return fmt.Errorf("remarks %q repeat the title", e.Remarks)
			}
			return nil
		}},
		{"passport with issue and expiry dates (trio 2021-04-25)", trio2021["10689"], func(e *tracker.Entity) error {
			want := tracker.Identifier{Type: "Passport", Value: "BE5978421", Country: "Pakistan", Note: "issued 2007-11-14; expires 2012-11-12"}
			if !slices.Contains(e.Identifiers, want) {
				return fmt.Errorf("identifiers %v", e.Identifiers)
			}
			if !slices.Contains(e.Aliases, tracker.Alias{Name: "HAFIZ SAHIB", Type: "aka", Strength: "weak"}) ||
				!slices.Contains(e.Aliases, tracker.Alias{Name: "SAEED, Hafiz Muhammad", Type: "aka", Strength: "strong"}) {
				return fmt.Errorf("aliases %v", e.Aliases)
			}
			return nil
		}},
		{"individual's name form and aliases (XML 2025-03-28)", cons2025["9639"], func(e *tracker.Entity) error {
			if e.Name != "HANIYA, Ismail Abdul Salah" || e.Kind != tracker.KindPerson || !slices.Equal(e.BirthDates, []string{"1962"}) ||
				!slices.Contains(e.Aliases, tracker.Alias{Name: "HANIYYA, Ismaeel", Type: "aka", Strength: "strong"}) {
				return fmt.Errorf("%+v", e)
			}
			return nil
		}},
		{"CYBER4 entity with a crypto wallet (constructed sdn.xml)", constructed["9900005"], func(e *tracker.Entity) error {
			if e.Name != "GRINEX" || !slices.Equal(e.Programs, []string{"CYBER4"}) {
				return fmt.Errorf("%+v", e)
			}
			return nil
		}},
		{"synthetic XBT address (constructed sdn.xml)", func() *tracker.Entity {
			for _, e := range constructed {
				if ofacHasID(e, "Digital Currency Address - XBT", "FIXTURE-FAKE-XBT-ADDRESS-0000000000000001") {
					return e
				}
			}
			return nil
		}(), func(e *tracker.Entity) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.e == nil {
				t.Fatal("entity not found")
			}
			if err := tt.check(tt.e); err != nil {
				t.Errorf("%v: %+v", err, tt.e)
			}
		})
	}
}

// TestOFACConstructedDiff checks the constructed pair against its
// CHANGES.md: three CYBER4 additions, nothing removed or amended, and the
// CAATSA-only entry 27016 is no cyber designation.
func TestOFACConstructedDiff(t *testing.T) {
	var pubs []*source.Publication
	for _, d := range ofacConstructed {
		pubs = append(pubs, ofacParse(t, ofacRead(t, shareddata.Path(t, "ofac/constructed/"+d+".sdn.xml"))))
	}
	changes := diff.Compare("ofac-sdn", pubs[0].Entities, pubs[1].Entities)
	var got []string
	for _, c := range (diff.Filter{Regimes: CyberPrograms}).Apply(changes) {
		got = append(got, fmt.Sprintf("%s %s %s %v", c.Kind, c.ID, c.Name, c.Programs))
	}
	want := []string{
		"added 9900004 AEZA GROUP LLC [CAATSA - RUSSIA CYBER4]",
		"added 9900005 GRINEX [CYBER4]",
		"added 9900006 MEDIA LAND LLC [CAATSA - RUSSIA CYBER4]",
	}
	if !slices.Equal(got, want) || len(changes) != len(want) {
		t.Errorf("changes:\n got %q\nwant %q (and no other change, got %d)", got, want, len(changes))
	}
	trap := ofacByID(pubs[1])["27016"]
	if trap == nil || (diff.Filter{Regimes: CyberPrograms}).Matches(trap.Programs) {
		t.Errorf("27016 = %+v, want a non-cyber entry", trap)
	}
}

// TestParseOFACFixtures: the same three entries as sdn.xml and as a CSV set
// (with a remark continued in sdn_comments.csv) give equal entities; the
// XML's vesselInfo and the CSV's vessel columns agree.
func TestParseOFACFixtures(t *testing.T) {
	xmlPub := ofacParse(t, ofacRead(t, "testdata/small.sdn.xml"))
	var csvFiles []source.RawFile
	for _, n := range []string{"alt.csv", "sdn_comments.csv", "SDN.CSV", "add.csv"} { // any order, any case
		f := ofacRead(t, filepath.Join("testdata/small", strings.ToLower(n)))
		f.Name = n
		csvFiles = append(csvFiles, f)
	}
	csvPub := ofacParse(t, csvFiles...)
	if xmlPub.PublishedAt != "2025-07-04" || len(xmlPub.Entities) != 3 || len(csvPub.Entities) != 3 {
		t.Fatalf("XML: %q %d entities; CSV: %d", xmlPub.PublishedAt, len(xmlPub.Entities), len(csvPub.Entities))
	}
	csvByID := ofacByID(csvPub)
	for _, x := range xmlPub.Entities {
		if c := csvByID[x.ID]; c == nil || !x.Equal(c) {
			t.Errorf("%s: XML %+v\n CSV %+v", x.ID, x, c)
		}
	}
	x := ofacByID(xmlPub)
	vessel := x["47371"]
	wantAttrs := map[string]string{ofacAttrVesselType: "Crude Oil Tanker", ofacAttrVesselFlag: "Gabon",
		ofacAttrVesselOwner: "FIXTURE SHIPPING OWNER", ofacAttrTonnage: "1,000", ofacAttrGRT: "2,000"}
	if !maps.Equal(vessel.Attrs, wantAttrs) || !ofacHasID(vessel, ofacCallSign, "A8LU7") || vessel.Kind != tracker.KindVessel {
		t.Errorf("vessel %+v", vessel)
	}
	ex := x["9990001"]
	wantIDs := []tracker.Identifier{
		{Type: "Digital Currency Address - USDT", Value: "FIXTURE-USDT-000000000000000000000003"},
		{Type: "Digital Currency Address - XBT", Value: "FIXTURE-XBT-0000000000000000000000001"},
		{Type: "Digital Currency Address - XBT", Value: "FIXTURE-XBT-0000000000000000000000002"},
		{Type: "Listing Date (EO 14024 Directive 2)", Value: "24 Feb 2022"},
		{Type: "Organization Established Date", Value: "Mar 2019"},
		{Type: "Registration Number", Value: "0000000001 (Fixture Region)", Country: "Russia"},
		{Type: "Secondary sanctions risk", Value: "See Section 11 of Executive Order 14024."},
		{Type: "Website", Value: "fixture-exchange.example"},
	}
	if !slices.Equal(ex.Identifiers, wantIDs) {
		t.Errorf("identifiers:\n got %v\nwant %v", ex.Identifiers, wantIDs)
	}
	if ex.Remarks != "Fictitious entry of a test fixture; Linked To: FIXTURE HOLDING S.A." {
		t.Errorf("remarks %q", ex.Remarks)
	}
	p := x["9990002"]
	if !slices.Equal(p.BirthDates, []string{"1961-04", "circa 1960"}) || !slices.Equal(p.Nationalities, []string{"Cyprus", "Russia"}) ||
		!slices.Equal(p.Positions, []string{"Director of Fixture Cyber Exchange", "Fixture Ministry Official"}) || p.Remarks != "" {
		t.Errorf("individual %+v", p)
	}
}

// TestParseOFACFileNames: files are told apart by name suffix, in any case;
// sdn_comments.csv is not sdn.csv; an unknown name or a mixed set is an
// error naming the file.
func TestParseOFACFileNames(t *testing.T) {
	row := []byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n")
	comment := []byte("36,\"more\"\r\n")
	xmlData := ofacRead(t, "testdata/small.sdn.xml").Data
	tests := []struct {
		name    string
		files   []source.RawFile
		wantErr string // "" for success
		errFile string
	}{
		{"plain", []source.RawFile{{Name: "sdn.csv", Data: row}}, "", ""},
		{"dated", []source.RawFile{{Name: "2024-05-03.sdn.csv", Data: row}}, "", ""},
		{"upper case, path", []source.RawFile{{Name: "downloads/SDN.CSV", Data: row}}, "", ""},
		{"name from origin", []source.RawFile{{Origin: "https://example.test/x/sdn.csv?ts=1", Data: row}}, "", ""},
		{"dated set", []source.RawFile{{Name: "2025-05-16.sdn.csv", Data: row}, {Name: "2025-05-16.sdn_comments.csv", Data: comment}}, "", ""},
		{"consolidated set", []source.RawFile{{Name: "CONS_PRIM.CSV", Data: row}, {Name: "cons_comments.csv", Data: comment}}, "", ""},
		{"XML under any name", []source.RawFile{{Name: "download", Data: xmlData}}, "", ""},
		{"comments alone", []source.RawFile{{Name: "sdn_comments.csv", Data: comment}}, "without its main file sdn.csv", "sdn_comments.csv"},
		{"no files", nil, "no files", "ofac"},
		{"unknown name", []source.RawFile{{Name: "sdn.csv", Data: row}, {Name: "sdn_extra.csv", Data: comment}}, "not an OFAC file name", "sdn_extra.csv"},
		{"twice", []source.RawFile{{Name: "sdn.csv", Data: row}, {Name: "x.sdn.csv", Data: row}}, "given twice", "x.sdn.csv"},
		{"mixed lists", []source.RawFile{{Name: "sdn.csv", Data: row}, {Name: "cons_alt.csv", Data: comment}}, "a Consolidated list file in a set of SDN list files", "cons_alt.csv"},
		{"XML in a CSV set", []source.RawFile{{Name: "sdn.csv", Data: row}, {Name: "sdn.xml", Data: xmlData}}, "markup in a set of 2 files", "sdn.xml"},
		{"HTML page in a CSV set", []source.RawFile{{Name: "sdn.csv", Data: row}, {Name: "alt.csv", Data: []byte("\r\n <html><body>busy</body></html>")}}, "markup in a set", "alt.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := Parse(context.Background(), tt.files)
			if tt.wantErr == "" {
				if err != nil || len(pub.Entities) == 0 {
					t.Fatalf("got %v, %v", pub, err)
				}
				return
			}
			var pe *source.ParseError
			if !errors.As(err, &pe) || pe.File != tt.errFile || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want a source.ParseError of %s saying %q", err, tt.errFile, tt.wantErr)
			}
		})
	}
}

// ofacCSVCuts cuts a real sdn.csv inside records, the way a download is cut
// short: inside a quoted name, inside the remarks, between two fields.
func ofacCSVCuts(data []byte) map[string][]byte {
	line2 := bytes.IndexByte(data, '\n') + 1
	remarks := bytes.Index(data, []byte(`,"a.k.a. 'BNC'`)) + 5
	return map[string][]byte{
		"mid-file":          data[:len(data)/2],
		"inside a name":     data[:line2+8],
		"inside remarks":    data[:remarks],
		"after a field":     data[:bytes.Index(data[line2:], []byte(`"CUBA",`))+line2+7],
		"after the ent_num": data[:line2+4],
	}
}

func ofacXMLCuts(data []byte) map[string][]byte {
	first := bytes.Index(data, []byte("</sdnEntry>")) + len("</sdnEntry>")
	end := bytes.LastIndex(data, []byte("</sdnList>"))
	return map[string][]byte{
		"in the declaration":    data[:20],
		"in the header":         data[:bytes.Index(data, []byte("<Record_Count>"))+5],
		"after the first entry": data[:first],
		"mid-file":              data[:len(data)/2],
		"before </sdnList>":     data[:end],
		"inside </sdnList>":     data[:end+4],
		"inside a value":        data[:bytes.Index(data, []byte("<lastName>"))+13],
	}
}

// TestParseOFACBadInput: every damaged or foreign file is a *ParseError
// naming the file and, where there is one, the position.
func TestParseOFACBadInput(t *testing.T) {
	sdnCSV := ofacRead(t, shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv")).Data
	consXML := ofacRead(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml")).Data
	euXML := ofacRead(t, shareddata.Path(t, "eu/excerpts/2020-04-15.xmlFullSanctionsList_1_1-excerpt.xml")).Data
	html := ofacRead(t, "testdata/error-503.html").Data
	firstLines := func(n int) []byte {
		i := 0
		for range n {
			i += bytes.IndexByte(sdnCSV[i:], '\n') + 1
		}
		return sdnCSV[:i]
	}
	// Line 3 of the real file without its last field.
	lines := bytes.SplitAfter(slices.Clone(firstLines(5)), []byte("\n"))
	short := slices.Clone(lines)
	short[2] = slices.Concat(lines[2][:bytes.LastIndexByte(lines[2], ',')], []byte("\r\n"))
	stray := slices.Concat(lines[0], lines[1], []byte("\x1a"), lines[2], lines[3])

	type tc struct {
		name, file string
		data       []byte
		wantErr    string
		wantPos    string // a prefix; "" when the whole file is at fault
	}
	tests := []tc{
		{"wrong column count", "sdn.csv", bytes.Join(short, nil), "11 fields, want 12", "line 3"},
		{"EOF byte mid-file", "sdn.csv", stray, "0x1A before the end of the file", "line 3"},
		{"EOF byte at the start", "sdn.csv", slices.Concat([]byte("\x1a"), firstLines(2)), "0x1A before the end", "line 1"},
		{"not a number", "sdn.csv", []byte("ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,Vess_flag,Vess_owner,Remarks\r\n"), `ent_num "ent_num" is not a number`, "line 1"},
		{"duplicate ent_num", "sdn.csv", slices.Concat(firstLines(2), lines[0]), "ent_num 36 again (first on line 1)", "line 3"},
		{"no name", "sdn.csv", []byte("36,-0- ,-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), "ent_num 36 has no name", "line 1"},
		{"empty", "sdn.csv", nil, "no entries", ""},
		{"EU CSV as sdn.csv", "sdn.csv", ofacRead(t, shareddata.Path(t, "eu/excerpts/2024-10-02.csvFullSanctionsList_1_1-excerpt.csv")).Data, "fields, want 12", "line 1"},
		{"HTML error page", "sdn.xml", html, "not an OFAC list file: an HTML page", "line "},
		{"XHTML error page", "sdn.xml", []byte(`<?xml version="1.0"?>` + "\n<html><body>busy</body></html>"), "an HTML page", "line 2"},
		{"EU FSF XML", "sdn.xml", euXML, "not an OFAC list file: root element <export>, want <sdnList>", "line 2"},
		{"sdn_advanced.xml", "sdn.xml", []byte(`<?xml version="1.0"?><Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"></Sanctions>`), "root element <Sanctions>", "line 1"},
		{"no header", "sdn.xml", []byte(`<sdnList xmlns="http://tempuri.org/sdnList.xsd"><sdnEntry><uid>1</uid><lastName>A</lastName></sdnEntry></sdnList>`), "no <publshInformation> with a Record_Count", ""},
		{"bad date", "sdn.xml", []byte(`<sdnList xmlns="http://tempuri.org/sdnList.xsd"><publshInformation><Publish_Date>2025-03-28</Publish_Date><Record_Count>0</Record_Count></publshInformation></sdnList>`), `Publish_Date: "2025-03-28" is not a date (want MM/DD/YYYY)`, "line 1"},
		{"bad count", "sdn.xml", []byte(`<sdnList xmlns="http://tempuri.org/sdnList.xsd"><publshInformation><Record_Count>many</Record_Count></publshInformation></sdnList>`), `Record_Count "many" is not a number`, "line 1"},
		{"entry without uid", "sdn.xml", []byte("<sdnList xmlns=\"http://tempuri.org/sdnList.xsd\">\n<publshInformation><Record_Count>1</Record_Count></publshInformation>\n<sdnEntry><lastName>A</lastName></sdnEntry></sdnList>"), "empty uid", "line 3, record 1"},
		{"entry without name", "sdn.xml", []byte("<sdnList xmlns=\"http://tempuri.org/sdnList.xsd\">\n<publshInformation><Record_Count>1</Record_Count></publshInformation>\n<sdnEntry><uid>7</uid></sdnEntry></sdnList>"), "uid 7 has no name", "line 3, record 1 (uid 7)"},
		{"second document", "sdn.xml", append(slices.Clone(consXML), []byte("\n<sdnList/>")...), "element <sdnList> after the end of <sdnList>", "line "},
		{"not XML", "sdn.xml", []byte("<<<>>>"), "XML syntax error", "line 1"},
		{"unknown namespace", "sdn.xml", bytes.Replace(consXML, []byte(`xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"`), []byte(`xmlns="urn:example:sdn"`), 1),
			`<sdnList> in namespace "urn:example:sdn": not a schema OFAC has published`, "line 2"},
		{"no namespace", "sdn.xml", []byte(`<sdnList><publshInformation><Record_Count>0</Record_Count></publshInformation></sdnList>`), "<sdnList> without a namespace", "line 1"},
		{"uid twice", "sdn.xml", []byte("<sdnList xmlns=\"http://tempuri.org/sdnList.xsd\">\n<publshInformation><Record_Count>2</Record_Count></publshInformation>\n" +
			"<sdnEntry><uid>7</uid><lastName>A</lastName></sdnEntry>\n<sdnEntry><uid>7</uid><lastName>B</lastName></sdnEntry></sdnList>"),
			"uid 7 again (first on line 3)", "line 4, record 2 (uid 7)"},
		{"invalid UTF-8 in the CSV", "sdn.csv", slices.Concat(lines[0], lines[1][:12], []byte{0xe9}, lines[1][13:]), "invalid UTF-8 (byte 0xE9)", "line 2 col 13"},
		{"invalid UTF-8 in the XML", "sdn.xml", bytes.Replace(consXML, []byte("<lastName>HANIYA<"), []byte("<lastName>HAN\xcdYA<"), 1), "XML syntax error: invalid UTF-8", "line 10"},
	}
	for name, data := range ofacCSVCuts(sdnCSV) {
		tests = append(tests, tc{"truncated CSV " + name, "sdn.csv", data, "", "line "})
	}
	for name, data := range ofacXMLCuts(consXML) {
		tests = append(tests, tc{"truncated XML " + name, "sdn.xml", data, "truncated", "line "})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := Parse(context.Background(), []source.RawFile{{Name: tt.file, Data: tt.data}})
			if pub != nil {
				t.Errorf("got a publication of %d entities", len(pub.Entities))
			}
			var pe *source.ParseError
			t.Log(err) // the message a user would read
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *source.ParseError", err, err)
			}
			if pe.File != tt.file || !strings.HasPrefix(pe.Pos, tt.wantPos) || (tt.wantPos == "" && pe.Pos != "") {
				t.Errorf("err %q: file %q pos %q, want %q at %q", err, pe.File, pe.Pos, tt.file, tt.wantPos)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestParseOFACBadSetRows: a row of a side file that cannot be attached to
// its entry fails the set, naming the side file and the line.
func TestParseOFACBadSetRows(t *testing.T) {
	prim := source.RawFile{Name: "sdn.csv", Data: []byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n")}
	tests := []struct {
		name    string
		side    source.RawFile
		wantErr string
		wantPos string
	}{
		{"alias of an absent entry", source.RawFile{Name: "alt.csv", Data: []byte("36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n37,13,\"aka\",\"X\",-0- \r\n")}, "ent_num 37 is not in sdn.csv", "line 2"},
		{"address of an absent entry", source.RawFile{Name: "add.csv", Data: []byte("99,25,-0- ,\"Havana\",\"Cuba\",-0- \r\n")}, "ent_num 99 is not in sdn.csv", "line 1"},
		{"comment of an absent entry", source.RawFile{Name: "sdn_comments.csv", Data: []byte("5,\"x\"\r\n")}, "ent_num 5 is not in sdn.csv", "line 1"},
		{"alias without a name", source.RawFile{Name: "alt.csv", Data: []byte("36,12,\"aka\",-0- ,-0- \r\n")}, "alias 12 of ent_num 36 has no name", "line 1"},
		{"alt.csv with add.csv's columns", source.RawFile{Name: "alt.csv", Data: []byte("36,25,-0- ,\"Havana\",\"Cuba\",-0- \r\n")}, "6 fields, want 5", "line 1"},
		{"bad add_num", source.RawFile{Name: "add.csv", Data: []byte("36,x,-0- ,\"Havana\",\"Cuba\",-0- \r\n")}, `add_num "x" is not a number`, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), []source.RawFile{prim, tt.side})
			var pe *source.ParseError
			if !errors.As(err, &pe) || pe.File != tt.side.Name || pe.Pos != tt.wantPos || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %s %s: %s", err, tt.side.Name, tt.wantPos, tt.wantErr)
			}
		})
	}
}

// TestParseOFACEOFMarker: the 2019 trio's add.csv lost its last bytes in
// the archive ("-0" for "-0- "); read as the empty value it stands for.
// A cut anywhere that loses content is still an error (see the cuts above).
func TestParseOFACEOFMarker(t *testing.T) {
	prim := source.RawFile{Name: "sdn.csv", Data: []byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0")}
	pub := ofacParse(t, prim)
	if e := pub.Entities[0]; e.Remarks != "" || e.Name != "AEROCARIBBEAN AIRLINES" {
		t.Errorf("%+v", e)
	}
	// The real case: the last row of the 2019 add.csv, St. Petersburg for 26235.
	files := ofacReadDir(t, "ofac/sdn-csv-trio/2019-01-04", "sdn.csv", "add.csv")
	if !bytes.HasSuffix(files[1].Data, []byte(`"St. Petersburg","Russia",-0`)) {
		t.Fatal("the 2019 add.csv does not end as expected")
	}
	e := ofacByID(ofacParse(t, files...))["26235"]
	if e == nil || !slices.Contains(e.Addresses, tracker.Address{City: "St. Petersburg", Country: "Russia"}) || e.Remarks != "" && strings.Contains(e.Remarks, "-0") {
		t.Errorf("26235 = %+v", e)
	}
}

func TestParseOFACCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, p := range []string{"ofac/sdn-csv/2021-08-18.sdn.csv", "ofac/xml/2020-03-17.consolidated.xml"} {
		pub, err := Parse(ctx, []source.RawFile{ofacRead(t, shareddata.Path(t, p))})
		if pub != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, %v; want context.Canceled", p, pub, err)
		}
	}
}

// FuzzParseOFAC: whatever the input, Parse returns either a publication
// of named entities with unique ids or a *ParseError, and never panics. The
// second input goes in as a side file of a CSV set, chosen by the third.
func FuzzParseOFAC(f *testing.F) {
	read := func(p string) []byte {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		return data
	}
	xmlData := read("testdata/small.sdn.xml")
	sdn := read("testdata/small/sdn.csv")
	side := map[byte][]byte{
		1: read("testdata/small/sdn_comments.csv"),
		2: read("testdata/small/add.csv"),
		3: read("testdata/small/alt.csv"),
	}
	f.Add(xmlData, []byte(nil), byte(0))
	f.Add(xmlData[:len(xmlData)/2], []byte(nil), byte(0))
	f.Add(bytes.Replace(xmlData, []byte(ofacNamespaces[1]), []byte(ofacNamespaces[0]), 1), []byte(nil), byte(0))
	f.Add(bytes.Replace(xmlData, []byte(ofacNamespaces[1]), []byte("urn:example:other"), 1), []byte(nil), byte(0))
	f.Add(read("testdata/error-503.html"), []byte(nil), byte(0))
	f.Add(sdn, []byte(nil), byte(0))
	f.Add(sdn[:len(sdn)/3], []byte(nil), byte(0))
	for k, v := range side {
		f.Add(sdn, v, k)
		f.Add(sdn, v[:len(v)/2], k)
	}
	sideNames := []string{"", "sdn_comments.csv", "add.csv", "alt.csv"}
	f.Fuzz(func(t *testing.T, main, extra []byte, which byte) {
		files := []source.RawFile{{Name: "sdn.csv", Data: main}}
		if which%4 != 0 {
			files = append(files, source.RawFile{Name: sideNames[which%4], Data: extra})
		}
		pub, err := Parse(context.Background(), files)
		sourcetest.CheckParse(t, pub, err, "")
	})
}

// TestOFACRemarksCutNotAnAmendment: the real 2025-05-16 excerpt read with
// sdn_comments.csv (remarks whole) and without it (sdn.csv cuts them at
// 1,000 characters): the cut entry's remarks are not reported amended.
func TestOFACRemarksCutNotAnAmendment(t *testing.T) {
	dir := shareddata.Path(t, "ofac/sdn-csv-trio/2025-05-16-excerpt")
	var whole, cut []source.RawFile
	for _, name := range []string{"sdn.csv", "sdn_comments.csv"} { // its add.csv holds rows of entries left out
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		whole = append(whole, source.RawFile{Name: name, Data: data})
		if name != "sdn_comments.csv" {
			cut = append(cut, source.RawFile{Name: name, Data: data})
		}
	}
	a, err := Parse(context.Background(), whole)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(context.Background(), cut)
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, e := range b.Entities {
		if e.Attrs[tracker.AttrRemarksCut] == "" {
			continue
		}
		marked++
		for _, f := range diff.Compare("ofac-sdn", a.Entities, b.Entities) {
			for _, fc := range f.Fields {
				if f.ID == e.ID && fc.Field == "remarks" {
					t.Errorf("entry %s: remarks reported amended between the whole and the cut text:\n%v\n%v", e.ID, fc.Before, fc.After)
				}
			}
		}
	}
	if marked != 1 {
		t.Errorf("%d entries marked as cut without sdn_comments.csv, want 1 (33151)", marked)
	}
}
