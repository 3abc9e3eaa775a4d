package ofac

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

// ofacParseHow parses a CSV set as Parse does, with the main file read
// sequentially or in the given number of parts (0: as Parse chooses), and
// writes down the publication or the error.
func ofacParseHow(t testing.TB, files []source.RawFile, sequential bool, parts int) string {
	t.Helper()
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = ofacFileName(f)
	}
	set, err := ofacCSVSetOf(files, names)
	if err != nil {
		return fmt.Sprintf("err %v", err)
	}
	r := newOFACCSVRead(set.files[ofacPrimary])
	r.sequential, r.parts = sequential, parts
	pub, err := r.parse(context.Background(), set)
	if err != nil {
		return fmt.Sprintf("err %T %v", err, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "sealed %v %q\n", pub.Sealed, pub.Unsealed)
	for _, e := range pub.Entities {
		b.Write(e.AppendEncode(nil))
		b.WriteByte('\n')
	}
	return b.String()
}

// ofacSamePublication fails t unless reading files in parts gives what
// reading them sequentially gives, for several numbers of parts.
func ofacSamePublication(t *testing.T, files []source.RawFile) string {
	t.Helper()
	want := ofacParseHow(t, files, true, 0)
	for _, parts := range []int{0, 1, 2, 3, 7} {
		if got := ofacParseHow(t, files, false, parts); got != want {
			t.Fatalf("%d parts:\n%.2000s\nsequential:\n%.2000s", parts, got, want)
		}
	}
	return want
}

// TestOFACPartsRealFiles: every real CSV set reads the same in parts.
func TestOFACPartsRealFiles(t *testing.T) {
	dir := shareddata.Path(t, "ofac")
	sets := [][]string{
		{"sdn-csv/2024-05-03.sdn.csv"},
		{"sdn-csv/2021-08-18.sdn.csv"},
		{"sdn-csv-trio/2019-01-04/sdn.csv", "sdn-csv-trio/2019-01-04/add.csv", "sdn-csv-trio/2019-01-04/alt.csv"},
		{"sdn-csv-trio/2021-07-07/sdn.csv", "sdn-csv-trio/2021-07-07/add.csv", "sdn-csv-trio/2021-07-07/alt.csv"},
		{"sdn-csv-trio/2025-05-16-excerpt/sdn.csv", "sdn-csv-trio/2025-05-16-excerpt/sdn_comments.csv"},
		{"cons-csv/2025-12-19/cons_prim.csv", "cons-csv/2025-12-19/cons_comments.csv"},
	}
	for _, set := range sets {
		t.Run(set[0], func(t *testing.T) {
			var files []source.RawFile
			for _, p := range set {
				files = append(files, ofacRead(t, filepath.Join(dir, p)))
			}
			if got := ofacSamePublication(t, files); strings.HasPrefix(got, "err") {
				t.Fatal(got)
			}
		})
	}
}

// TestOFACPartsOddFiles: main files that are not plain, where the parts'
// work is thrown away, read with the same error at the same line, or the
// same publication, as sequentially.
func TestOFACPartsOddFiles(t *testing.T) {
	row := func(id, name, remarks string) string {
		return id + `,"` + name + `",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,` + remarks + "\r\n"
	}
	var plain []string
	for i := 1; i <= 40; i++ {
		plain = append(plain, row(fmt.Sprint(i*10), fmt.Sprintf("NAME %d", i), `"DOB 05 Jun 1950; Passport A1 (Pakistan) issued 14 Nov 2007."`))
	}
	with := func(at int, lines ...string) string {
		out := append(append(append([]string{}, plain[:at]...), lines...), plain[at:]...)
		return strings.Join(out, "") + "\x1a"
	}
	for _, tc := range []struct{ name, data string }{
		{"plain", with(0)},
		{"duplicate across parts", with(35, row("10", "AGAIN", "-0- "))},
		{"duplicate within a part", with(3, row("30", "AGAIN", "-0- "))},
		{"out of order, unique", with(38, row("15", "LATE", "-0- "))},
		{"leading zero", with(5, row("051", "ZERO", "-0- "))},
		{"no name late", with(30, row("301", "", "-0- "))},
		{"no name early", with(2, row("21", "-0-", "-0- "))},
		{"bad ent_num", with(33, row("3x1", "X", "-0- "))},
		{"doubled quote late", with(36, row("361", `A ""B"" C`, "-0- "))},
		{"field over two lines", with(20, row("201", "A\r\nB", "-0- "))},
		{"quoted newline at the middle", with(20, `201,"A`+strings.Repeat("\n", 30)+`B",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- `+"\r\n")},
		{"too few fields late", with(39, "391,\"X\",-0- \r\n")},
		{"empty lines and LF", strings.ReplaceAll(with(10, "\r\n", "\n"), "\r\n", "\n")},
		{"no last line break", strings.TrimSuffix(with(0), "\r\n\x1a")},
		{"eof byte inside", with(25, "\x1a")},
		{"utf-8 name", with(12, row("121", "MÜLLER, José", "-0- "))},
		{"invalid utf-8 late", with(37, row("371", "BAD \xff BYTE", "-0- "))},
		{"control character late", with(37, row("371", "BAD \x01 BYTE", "-0- "))},
		{"bom", "\xef\xbb\xbf" + with(0)},
		{"only a line break", "\n"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ofacSamePublication(t, []source.RawFile{{Name: "sdn.csv", Data: []byte(tc.data)}})
		})
	}
}

// FuzzParseOFACParts holds the parts to the sequential read of a CSV set:
// the same publication or the same error.
func FuzzParseOFACParts(f *testing.F) {
	read := func(p string) []byte {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		return data
	}
	sdn := read("testdata/small/sdn.csv")
	side := map[byte][]byte{
		1: read("testdata/small/sdn_comments.csv"),
		2: read("testdata/small/add.csv"),
		3: read("testdata/small/alt.csv"),
	}
	lines := bytes.SplitAfter(sdn, []byte("\n"))
	f.Add(sdn, []byte(nil), byte(0), byte(2))
	f.Add(bytes.Join([][]byte{lines[1], lines[0], bytes.Join(lines[2:], nil)}, nil), []byte(nil), byte(0), byte(1))
	f.Add(bytes.Join([][]byte{bytes.Join(lines[:len(lines)-1], nil), lines[0], lines[len(lines)-1]}, nil), []byte(nil), byte(0), byte(2))
	for k, v := range side {
		f.Add(sdn, v, k, byte(3))
	}
	sideNames := []string{"", "sdn_comments.csv", "add.csv", "alt.csv"}
	f.Fuzz(func(t *testing.T, main, extra []byte, which, parts byte) {
		files := []source.RawFile{{Name: "sdn.csv", Data: main}}
		if which%4 != 0 {
			files = append(files, source.RawFile{Name: sideNames[which%4], Data: extra})
		}
		want := ofacParseHow(t, files, true, 0)
		if got := ofacParseHow(t, files, false, 1+int(parts%5)); got != want {
			t.Fatalf("%d parts:\n%s\nsequential:\n%s", 1+parts%5, got, want)
		}
	})
}

// TestOFACPartsTaken: the real files are plain, so the comparisons above
// do compare the parts with the sequential read, not with itself.
func TestOFACPartsTaken(t *testing.T) {
	for _, p := range []string{"ofac/sdn-csv/2024-05-03.sdn.csv", "ofac/cons-csv/2025-12-19/cons_prim.csv"} {
		f := ofacRead(t, shareddata.Path(t, p))
		r := newOFACCSVRead(&ofacCSVFile{name: f.Name, data: f.Data, fields: 12})
		if err := r.primary(context.Background(), ofacDoneEntity); err != nil {
			t.Fatal(err)
		}
		if r.byID != nil || r.done != ofacDoneEntity || len(r.entities) == 0 {
			t.Errorf("%s: read sequentially", p)
		}
	}
}
