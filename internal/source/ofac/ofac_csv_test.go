package ofac

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

// ofacReadCSVRef is ofacReadCSV as it was before its own line splitting:
// encoding/csv for every record. FuzzOFACReadCSV holds the two to the
// same records, lines and errors.
func ofacReadCSVRef(f *ofacCSVFile, fn func(rec []string, line int) error) error {
	data, err := ofacCSVData(f)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = f.fields
	r.ReuseRecord = true
	unterminated := len(data) > 0 && data[len(data)-1] != '\n'
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return ofacCSVError(f, data, rec, err)
		}
		line, _ := r.FieldPos(0)
		if unterminated && r.InputOffset() == int64(len(data)) {
			if last := rec[len(rec)-1]; last != "" && strings.HasPrefix("-0- ", last) {
				rec[len(rec)-1] = "-0-"
			}
		}
		if err := fn(rec, line); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("parse %s: %w", f.name, err)
			}
			return &source.ParseError{File: f.name, Pos: fmt.Sprintf("line %d", line), Err: err}
		}
	}
}

// ofacCSVTrace reads data as a file of the given column count with read
// and writes down every record with its line, and the error.
func ofacCSVTrace(read func(*ofacCSVFile, func([]string, int) error) error, data []byte, fields int, failAt int) string {
	var b strings.Builder
	n := 0
	err := read(&ofacCSVFile{name: "x.csv", data: data, fields: fields}, func(rec []string, line int) error {
		if n++; n == failAt {
			return errors.New("refused")
		}
		fmt.Fprintf(&b, "%d %q\n", line, rec)
		return nil
	})
	fmt.Fprintf(&b, "err %v", err)
	return b.String()
}

func TestOFACReadCSVMatchesEncodingCSV(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
	}{
		{"plain", "1,\"A\",-0- \r\n2,\"B, C\",x\r\n\x1a"},
		{"lf only", "1,\"A\",-0- \n2,\"B\",x\n"},
		{"empty lines", "\r\n1,\"A\",-0- \r\n\r\n\n2,\"B\",x\r\n\r\n"},
		{"unterminated", "1,\"A\",-0- \r\n2,\"B\",-0"},
		{"unterminated cr", "1,\"A\",-0- \r\n2,\"B\",x\r"},
		{"doubled quote", "1,\"A\",-0- \r\n2,\"B \"\"C\"\"\",x\r\n3,\"D\",y\r\n"},
		{"field over two lines", "1,\"A\",-0- \r\n2,\"B\r\nC\",x\r\n3,\"D\",y\r\n"},
		{"bare quote", "1,\"A\",-0- \r\n2,B\"C,x\r\n"},
		{"text after quote", "1,\"A\",-0- \r\n2,\"B\"C,x\r\n"},
		{"too many fields", "1,\"A\",-0- \r\n2,\"B\",x,y\r\n"},
		{"too few fields", "1,\"A\",-0- \r\n2,\"B\"\r\n"},
		{"trailing comma", "1,\"A\",\r\n2,\"B\",x\r\n"},
		{"ends in quote", "1,\"A\",-0- \r\n2,\"B\",\"x"},
		{"cr inside", "1,\"A\r\",-0- \r\n2,B\rC,x\r\r\n"},
		{"space before quote", "1, \"A\",-0- \r\n"},
		{"error after fallback", "1,\"A\",-0- \r\n2,\"B\"\"\",x\r\n\r\n3,\"C\",x,y\r\n"},
		{"bom", "\xef\xbb\xbf1,\"A\",-0- \r\n"},
		{"only eof byte", "\x1a"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, failAt := range []int{0, 2, 3} {
				want := ofacCSVTrace(ofacReadCSVRef, []byte(tc.data), 3, failAt)
				got := ofacCSVTrace(ofacReadCSV, []byte(tc.data), 3, failAt)
				if got != want {
					t.Errorf("fail at %d:\ngot  %s\nwant %s", failAt, got, want)
				}
			}
		})
	}
}

// TestOFACReadCSVRealFiles reads every real CSV file both ways.
func TestOFACReadCSVRealFiles(t *testing.T) {
	for _, set := range [][]string{
		{"ofac/sdn-csv/2024-05-03.sdn.csv"},
		{"ofac/sdn-csv-trio/2019-01-04/sdn.csv", "ofac/sdn-csv-trio/2019-01-04/add.csv", "ofac/sdn-csv-trio/2019-01-04/alt.csv"},
		{"ofac/cons-csv/2025-12-19/cons_prim.csv", "ofac/cons-csv/2025-12-19/cons_comments.csv"},
	} {
		for _, p := range set {
			f := ofacRead(t, shareddata.Path(t, p))
			fields := 0
			for _, r := range ofacCSVRoles {
				if r.base == ofacBase(f.Name) {
					fields = r.fields
				}
			}
			want := ofacCSVTrace(ofacReadCSVRef, f.Data, fields, 0)
			if got := ofacCSVTrace(ofacReadCSV, f.Data, fields, 0); got != want {
				t.Errorf("%s: the two reads differ", p)
			}
			if !strings.HasSuffix(want, "err <nil>") {
				t.Errorf("%s: %s", p, want[strings.LastIndex(want, "\n")+1:])
			}
		}
	}
}

func FuzzOFACReadCSV(f *testing.F) {
	for _, p := range []string{"testdata/small/sdn.csv", "testdata/small/add.csv", "testdata/small/alt.csv"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0), uint8(0))
		f.Add(slices.Concat(data[:len(data)/2], []byte("\"\"\r\n\n\"x\r\n,"), data[len(data)/2:]), uint8(1), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, fields, failAt uint8) {
		n := []int{12, 2, 6, 5}[fields%4]
		want := ofacCSVTrace(ofacReadCSVRef, data, n, int(failAt%8))
		if got := ofacCSVTrace(ofacReadCSV, data, n, int(failAt%8)); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

// FuzzOFACPlainASCII holds the word-at-a-time test to the byte-at-a-time
// one, and to what it stands for: source.CheckUTF8 passes such text.
func FuzzOFACPlainASCII(f *testing.F) {
	f.Add([]byte("1,\"A\",-0- \r\n\t~ "))
	f.Add([]byte("12345678\x1f12345678\x7f1234567\x80"))
	f.Add([]byte("abcdefgh\xc2\x85abcdefgh"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := ofacPlainASCII(data)
		if want := ofacPlainASCIIBytes(data); got != want {
			t.Fatalf("ofacPlainASCII(%q) = %v, want %v", data, got, want)
		}
		if ofacPlainASCII(string(data)) != got {
			t.Fatalf("ofacPlainASCII of %q differs as a string", data)
		}
		if got {
			if err := source.CheckUTF8("x.csv", data, 0); err != nil {
				t.Fatalf("plain ASCII %q, but CheckUTF8: %v", data, err)
			}
		}
	})
}

func TestOFACPlainASCIIEveryByte(t *testing.T) {
	for at := range 17 {
		for c := range 256 {
			data := []byte(strings.Repeat("a", 17))
			data[at] = byte(c)
			if got, want := ofacPlainASCII(data), ofacPlainASCIIBytes(data); got != want {
				t.Errorf("byte 0x%02X at %d: %v, want %v", c, at, got, want)
			}
		}
	}
}

// FuzzOFACDate holds the remarks' date fast path to DayMonAbbrevYear.
func FuzzOFACDate(f *testing.F) {
	for _, s := range []string{"1962", "0962", "05 Jun 1950", "00 JUN 1950", "31 dec 2001", "32 Dec 2001",
		"05 Jux 1950", "05 Jun 0950", "5 Jun 1950", "Jun 1950", "05 Jun 19501", "05-Jun-1950", "1950-06-05", "+1962"} {
		f.Add(s)
	}
	var b ofacRemarksBuf
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := b.date(s), source.DayMonAbbrevYear(s); got != want {
			t.Fatalf("date(%q) = %q, want %q", s, got, want)
		}
	})
}
