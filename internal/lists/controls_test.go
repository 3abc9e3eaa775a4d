package lists

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/eu"
	"github.com/cybersanctions/tracker/internal/source/ofac"
	"github.com/cybersanctions/tracker/internal/source/uk"
)

// TestControlCharactersRefused: NUL, ESC, DEL and C1 controls in any list
// format are a parse error naming file, line and column, never text that
// would be stored and announced.
func TestControlCharactersRefused(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// inject puts bad into the first occurrence of after.
	inject := func(data []byte, after, bad string) []byte {
		i := bytes.Index(data, []byte(after))
		if i < 0 {
			t.Fatalf("fixture lacks %q", after)
		}
		i += len(after)
		return append(append(append([]byte{}, data[:i]...), bad...), data[i:]...)
	}
	fcdoCSV := read("../source/uk/testdata/small.UK-Sanctions-List.csv")
	fcdoXML := read("../source/uk/testdata/small.UK-Sanctions-List.xml")
	euXML := read("../source/eu/testdata/small.xml")
	euCSV := read("../source/eu/testdata/small.csv")
	ofsi := read("../source/uk/testdata/small.ConList.csv")
	ofacCSV := []byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n" +
		"173,\"ANGLO-CARIBBEAN CO., LTD.\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a")
	ofacXML := []byte("<sdnList xmlns=\"http://tempuri.org/sdnList.xsd\">\n<publshInformation><Record_Count>1</Record_Count></publshInformation>\n" +
		"<sdnEntry><uid>7</uid><lastName>ACME</lastName><sdnType>Entity</sdnType></sdnEntry></sdnList>")

	tests := []struct {
		name  string
		parse source.Parser
		file  string
		data  []byte
		want  string
	}{
		{"OFAC CSV NUL", ofac.Parse, "sdn.csv", inject(ofacCSV, "ANGLO", "\x00"), "line 2 col 11"},
		{"OFAC CSV ESC", ofac.Parse, "sdn.csv", inject(ofacCSV, "AERO", "\x1b[31m"), "control character 0x1B"},
		{"OFAC CSV CSI as C1", ofac.Parse, "sdn.csv", inject(ofacCSV, "AERO", "\u009b31m"), "C1 control character U+009B"},
		{"OFAC XML DEL", ofac.Parse, "sdn.xml", inject(ofacXML, "ACME", "\x7f"), "control character 0x7F"},
		{"OFAC XML C1", ofac.Parse, "sdn.xml", inject(ofacXML, "ACME", "\u0085"), "U+0085"},
		{"EU XML ESC in a name", eu.Parse, "fsf.xml", inject(euXML, `wholeName="Ivan`, "\x1b]0;title\x07"), "control character 0x1B"},
		{"EU CSV NUL", eu.Parse, "fsf.csv", inject(euCSV, "Petr", "\x00"), "control character 0x00"},
		{"FCDO CSV ESC", uk.ParseSanctionsList, "uk.csv", inject(fcdoCSV, "TST0001,", "\x1b[2J"), "control character 0x1B"},
		{"FCDO XML C1", uk.ParseSanctionsList, "uk.xml", inject(fcdoXML, "<Designation>", "\u009b"), "U+009B"},
		{"OFSI CSV bell", uk.ParseConList, "ConList.csv", inject(ofsi, "Last Updated,", "\x07"), "control character 0x07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.parse(context.Background(), []source.RawFile{{Name: tt.file, Data: tt.data}})
			var pe *source.ParseError
			if !errors.As(err, &pe) || pe.File != tt.file || !strings.Contains(pe.Pos, "line ") || !strings.Contains(pe.Pos, "col ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a source.ParseError in %s at line and column saying %q", err, tt.file, tt.want)
			}
		})
	}
}
