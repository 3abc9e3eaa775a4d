package ofac

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

// ofacEncodePub is a publication as its canonical encodings, one entity
// a line, or the error.
func ofacEncodePub(pub *source.Publication, err error) string {
	if err != nil {
		return fmt.Sprintf("err %T %v", err, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "sealed %v %q %s\n", pub.Sealed, pub.Unsealed, pub.PublishedAt)
	for _, e := range pub.Entities {
		b.Write(e.AppendEncode(nil))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestReaderReadsHistory reads every dated sdn.csv of the shared data in
// a row with one Reader: each publication must be what Parse makes of it,
// and the lines a publication shares with the one before must give the
// very entities they gave then (the memory is used).
func TestReaderReadsHistory(t *testing.T) {
	dir := shareddata.Path(t, "ofac/sdn-csv")
	paths, err := filepath.Glob(filepath.Join(dir, "*.sdn.csv"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("%d dated sdn.csv files in %s (%v)", len(paths), dir, err)
	}
	ctx := context.Background()
	var r Reader
	var prev []byte
	for _, p := range paths {
		f := ofacRead(t, p)
		want := ofacEncodePub(Parse(ctx, []source.RawFile{f}))
		before := map[string]bool{} // entities the Reader holds, by address
		for _, m := range r.lines {
			before[fmt.Sprintf("%p", m.e)] = true
		}
		pub, err := r.Parse(ctx, []source.RawFile{f})
		if got := ofacEncodePub(pub, err); got != want {
			t.Fatalf("%s: the Reader's publication differs from Parse's", filepath.Base(p))
		}
		shared := 0
		for _, e := range pub.Entities {
			if before[fmt.Sprintf("%p", e)] {
				shared++
			}
		}
		if prev != nil {
			same := ofacSharedLines(prev, f.Data)
			if shared != same {
				t.Errorf("%s: %d entities taken from the last publication, want one for each of the %d lines it shares", filepath.Base(p), shared, same)
			}
		}
		if len(r.lines) != len(pub.Entities) {
			t.Errorf("%s: the Reader remembers %d lines, want %d", filepath.Base(p), len(r.lines), len(pub.Entities))
		}
		prev = f.Data
	}
}

// ofacSharedLines counts the non-empty lines of b, without their line
// breaks, that a also holds.
func ofacSharedLines(a, b []byte) int {
	in := map[string]bool{}
	for l := range bytes.SplitSeq(a, []byte("\n")) {
		in[string(bytes.TrimSuffix(l, []byte("\r")))] = true
	}
	n := 0
	for l := range bytes.SplitSeq(b, []byte("\n")) {
		if l = bytes.TrimSuffix(l, []byte("\r")); len(l) > 0 && l[0] != 0x1a && in[string(l)] {
			n++
		}
	}
	return n
}

// TestReaderOtherReads: a publication the Reader cannot read line by line
// (XML, a CSV set, a damaged file, an odd line) is read as Parse reads
// it, and leaves nothing remembered that a later read could take wrongly.
func TestReaderOtherReads(t *testing.T) {
	ctx := context.Background()
	sdn := ofacRead(t, shareddata.Path(t, "ofac/sdn-csv/2024-05-03.sdn.csv"))
	trio := ofacReadDir(t, "ofac/sdn-csv-trio/2021-07-07", "sdn.csv", "add.csv", "alt.csv")
	xml := ofacRead(t, shareddata.Path(t, "ofac/xml/2025-03-28.consolidated.xml"))
	// An odd line (a quoted field over two lines) makes the file read
	// sequentially; a truncated one fails.
	lines := bytes.SplitAfter(sdn.Data, []byte("\n"))
	odd := bytes.Clone(sdn.Data)
	odd = bytes.Replace(odd, lines[100], append(bytes.Replace(bytes.Clone(lines[100]), []byte(`,"`), []byte(",\"x\n"), 1), lines[100][len(lines[100])/2:]...), 1)
	cut := sdn.Data[:len(sdn.Data)/2]

	for _, tc := range []struct {
		name  string
		files []source.RawFile
	}{
		{"xml", []source.RawFile{xml}},
		{"csv set", trio},
		{"odd line", []source.RawFile{{Name: "sdn.csv", Data: odd}}},
		{"cut", []source.RawFile{{Name: "sdn.csv", Data: cut}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Reader
			if _, err := r.Parse(ctx, []source.RawFile{sdn}); err != nil {
				t.Fatal(err)
			}
			got := ofacEncodePub(r.Parse(ctx, tc.files))
			if want := ofacEncodePub(Parse(ctx, tc.files)); got != want {
				t.Fatalf("the Reader's read differs from Parse's:\n%.300s\nwant\n%.300s", got, want)
			}
			if tc.name != "cut" && len(r.lines) != 0 {
				t.Errorf("%d lines remembered after a read not made line by line", len(r.lines))
			}
			// And the next plain read is still Parse's.
			got = ofacEncodePub(r.Parse(ctx, []source.RawFile{sdn}))
			if want := ofacEncodePub(Parse(ctx, []source.RawFile{sdn})); got != want {
				t.Fatal("the plain read after it differs from Parse's")
			}
		})
	}
}

// FuzzReader holds a Reader that read one file to Parse on the next:
// the next shares lines with the first (the fuzzer changes some), and
// must read as if read alone.
func FuzzReader(f *testing.F) {
	small, err := os.ReadFile("testdata/small/sdn.csv")
	if err != nil {
		f.Fatal(err)
	}
	lines := bytes.SplitAfter(small, []byte("\n"))
	f.Add(small, small)
	f.Add(small, bytes.Join(lines[1:], nil))
	f.Add(bytes.Join(lines[2:], nil), small)
	f.Add(small, bytes.Join([][]byte{lines[1], lines[0], bytes.Join(lines[2:], nil)}, nil))
	f.Fuzz(func(t *testing.T, first, next []byte) {
		ctx := context.Background()
		var r Reader
		r.Parse(ctx, []source.RawFile{{Name: "sdn.csv", Data: first}}) //nolint:errcheck // any outcome
		got := ofacEncodePub(r.Parse(ctx, []source.RawFile{{Name: "sdn.csv", Data: next}}))
		if want := ofacEncodePub(Parse(ctx, []source.RawFile{{Name: "sdn.csv", Data: next}})); got != want {
			t.Fatalf("after a first read, the Reader gives\n%s\nParse gives\n%s", got, want)
		}
	})
}
