package lists

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/eu"
	"github.com/cybersanctions/tracker/internal/source/ofac"
	"github.com/cybersanctions/tracker/internal/source/uk"
)

// TestSharedDataNoDrift parses every published file in the shared data: a
// fresh install reading what the publishers serve must report no drift,
// or operators would be told of a "new" column on day one.
func TestSharedDataNoDrift(t *testing.T) {
	dir := shareddata.Dir(t)
	type pub struct {
		parse source.Parser
		files []string // relative to dir
	}
	var pubs []pub
	glob := func(parse source.Parser, pattern string) {
		ms, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		for _, m := range ms {
			pubs = append(pubs, pub{parse, []string{m}})
		}
	}
	dirs := func(parse source.Parser, pattern string) {
		ms, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(ms) == 0 {
			t.Fatalf("no directories match %s", pattern)
		}
		for _, m := range ms {
			fs, _ := filepath.Glob(filepath.Join(m, "*.csv"))
			pubs = append(pubs, pub{parse, fs})
		}
	}
	glob(uk.ParseSanctionsList, "uk/fcdo/*.csv")
	glob(uk.ParseSanctionsList, "uk/fcdo/*.xml")
	glob(uk.ParseConList, "uk/ofsi/*.csv")
	glob(eu.Parse, "eu/fsf/*.xml")
	glob(eu.Parse, "eu/excerpts/*")
	glob(ofac.Parse, "ofac/xml/*.xml")
	glob(ofac.Parse, "ofac/constructed/*.xml")
	glob(ofac.Parse, "ofac/sdn-csv/*.csv")
	dirs(ofac.Parse, "ofac/sdn-csv-trio/*")
	dirs(ofac.Parse, "ofac/cons-csv/*")

	for _, p := range pubs {
		name := strings.TrimPrefix(p.files[0], dir+string(filepath.Separator))
		t.Run(name, func(t *testing.T) {
			var files []source.RawFile
			for _, f := range p.files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, source.RawFile{Name: filepath.Base(f), Origin: f, Data: data})
			}
			got, err := p.parse(context.Background(), files)
			if err != nil && strings.Contains(name, "excerpt") {
				t.Skipf("an excerpt the parser refuses as a whole list: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Drift) > 0 {
				t.Errorf("drift on a real file: %+v", got.Drift)
			}
		})
	}
}

// TestUKDrift: a new column, a new XML element and a regime not in the
// table are each reported once per parse, and the entities keep the
// unknown regime verbatim.
func TestUKDrift(t *testing.T) {
	const regime = "The Global Irregular Migration and Trafficking in Persons Sanctions Regulations 2099"
	csvData, err := os.ReadFile(shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.csv"))
	if err != nil {
		t.Fatal(err)
	}
	xmlData, err := os.ReadFile(shareddata.Path(t, "uk/fcdo/2025-04-10.UK-Sanctions-List.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		file   string
		data   []byte
		want   []tracker.Drift
		regime bool // the entity must keep regime in Programs
	}{
		{"csv column", "a.csv", DriftCSVColumn(t, csvData, "Risk Score", "high"),
			[]tracker.Drift{{Kind: "column", Name: "Risk Score"}}, false},
		{"xml element", "a.xml", DriftXMLElement(xmlData, "<RiskScore>high</RiskScore>"),
			[]tracker.Drift{{Kind: "element", Name: "Designation/RiskScore"}}, false},
		{"csv regime", "a.csv", DriftCSVRegime(t, csvData, regime),
			[]tracker.Drift{{Kind: "value", Name: "regime=" + regime}}, true},
		{"xml regime", "a.xml", bytes.Replace(xmlData, []byte("<RegimeName>The Cyber (Sanctions) (EU Exit) Regulations 2020</RegimeName>"),
			[]byte("<RegimeName>"+regime+"</RegimeName>"), 1),
			[]tracker.Drift{{Kind: "value", Name: "regime=" + regime}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := uk.ParseSanctionsList(context.Background(), []source.RawFile{{Name: tt.file, Data: tt.data}})
			if err != nil {
				t.Fatal(err)
			}
			var got []tracker.Drift
			for _, d := range pub.Drift {
				got = append(got, tracker.Drift{Kind: d.Kind, Name: d.Name})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("drift = %+v, want %+v", pub.Drift, tt.want)
			}
			if tt.regime {
				// The same file under a regime the table knows: no drift.
				known := bytes.ReplaceAll(tt.data, []byte(regime), []byte("The Global Irregular Migration and Trafficking in Persons Sanctions Regulations 2025"))
				kp, err := uk.ParseSanctionsList(context.Background(), []source.RawFile{{Name: tt.file, Data: known}})
				if err != nil {
					t.Fatal(err)
				}
				if len(kp.Drift) != 0 {
					t.Errorf("a regime in the table reported as drift: %+v", kp.Drift)
				}
			}
			kept := false
			for _, e := range pub.Entities {
				kept = kept || slices.Contains(e.Programs, regime)
			}
			if kept != tt.regime {
				t.Errorf("an entity keeps the unknown regime: %v, want %v", kept, tt.regime)
			}
		})
	}
}

// DriftCSVColumn adds a column to a UK Sanctions List CSV (line 1 the
// report date, line 2 the header).
func DriftCSVColumn(t testing.TB, data []byte, column, value string) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i := 1; i < len(lines); i++ {
		if len(bytes.TrimSpace(lines[i])) == 0 {
			continue
		}
		extra := "," + value
		if i == 1 {
			extra = "," + column
		}
		lines[i] = append(bytes.TrimRight(lines[i], "\r\n"), []byte(extra+"\r\n")...)
	}
	return bytes.Join(lines, nil)
}

// DriftXMLElement adds an element to the first designation of a UK
// Sanctions List XML.
func DriftXMLElement(data []byte, elem string) []byte {
	return bytes.Replace(data, []byte("</Designation>"), []byte(elem+"</Designation>"), 1)
}

// DriftCSVRegime renames the cyber regime in a UK Sanctions List CSV.
func DriftCSVRegime(t testing.TB, data []byte, regime string) []byte {
	const cyber = "The Cyber (Sanctions) (EU Exit) Regulations 2020"
	if !bytes.Contains(data, []byte(cyber)) {
		t.Fatal("no cyber regime in the file")
	}
	return bytes.ReplaceAll(data, []byte(cyber), []byte(regime))
}

// TestEUOFACDrift: an element, attribute or column the EU and OFAC
// parsers do not know is reported once per parse; the file still parses
// to the same entities.
func TestEUOFACDrift(t *testing.T) {
	read := func(rel string) []byte {
		data, err := os.ReadFile(shareddata.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	euXML := read("eu/fsf/2020-07-30.xml")
	euCSV := read("eu/excerpts/2024-10-02.csvFullSanctionsList_1_1-excerpt.csv")
	ofacXML := read("ofac/xml/2025-03-28.consolidated.xml")
	// every sdnEntry/nameAlias gets it: once per parse all the same
	everyEntry := func(data []byte, at, insert string) []byte {
		if !bytes.Contains(data, []byte(at)) {
			t.Fatalf("%q not in the file", at)
		}
		return bytes.ReplaceAll(data, []byte(at), []byte(insert+at))
	}
	csvLines := bytes.SplitAfter(euCSV, []byte("\n"))
	for i, l := range csvLines {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		v := ";x"
		if i == 0 {
			v = ";Entity_RiskScore"
		}
		csvLines[i] = append(bytes.TrimRight(l, "\r\n"), []byte(v+"\n")...)
	}
	for _, tt := range []struct {
		name      string
		file      string
		orig, new []byte
		parse     source.Parser
		want      []tracker.Drift
	}{
		{"eu xml element", "2020-07-30.xml", euXML, everyEntry(euXML, "</sanctionEntity>", "<riskScore>high</riskScore>"), eu.Parse,
			[]tracker.Drift{{Kind: "element", Name: "sanctionEntity/riskScore"}}},
		{"eu xml attribute", "2020-07-30.xml", euXML, bytes.ReplaceAll(euXML, []byte("<nameAlias "), []byte(`<nameAlias script="Latn" `)), eu.Parse,
			[]tracker.Drift{{Kind: "attribute", Name: "nameAlias@script"}}},
		{"eu csv column", "a.csv", euCSV, bytes.Join(csvLines, nil), eu.Parse,
			[]tracker.Drift{{Kind: "column", Name: "Entity_RiskScore"}}},
		{"ofac xml element", "2025-03-28.consolidated.xml", ofacXML, everyEntry(ofacXML, "</sdnEntry>", "<riskScore>high</riskScore>"), ofac.Parse,
			[]tracker.Drift{{Kind: "element", Name: "sdnEntry/riskScore"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, err := tt.parse(context.Background(), []source.RawFile{{Name: tt.file, Data: tt.orig}})
			if err != nil {
				t.Fatal(err)
			}
			pub, err := tt.parse(context.Background(), []source.RawFile{{Name: tt.file, Data: tt.new}})
			if err != nil {
				t.Fatal(err)
			}
			var got []tracker.Drift
			for _, d := range pub.Drift {
				got = append(got, tracker.Drift{Kind: d.Kind, Name: d.Name})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("drift = %+v, want %+v", pub.Drift, tt.want)
			}
			if len(base.Drift) != 0 {
				t.Errorf("drift in the real file: %+v", base.Drift)
			}
			if len(pub.Entities) != len(base.Entities) {
				t.Errorf("%d entities, want %d as without the drift", len(pub.Entities), len(base.Entities))
			}
		})
	}
}
