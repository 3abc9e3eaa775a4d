package tracker_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/ofac"
)

// encodeValues are the strings random entities are made of: the cases
// encoding/json escapes (control characters, quote, backslash, HTML
// characters, invalid UTF-8, U+2028/U+2029) and plain ones.
var encodeValues = []string{
	"", "", "A", "AL-QAIDA", "Ivanov, Ivan Ivanovich", "Moscow, Russia 123456",
	`quote " and backslash \`, "<script>&amp;</script>", "tab\there", "new\nline\r\n",
	"\x00\x01\x1f\x7f", "\b\f\v", "Борис Иванов", "æ±äº¬", "emoji 😀", "\u2028\u2029",
	"bad \xff utf8 \xc3", "\xe2\x80", "a\u00a0b", "  spaced  ", "\ufffd",
}

// fillRandom sets every field of v (a pointer to a struct) to random
// values by reflection, so that a field added to Entity is covered without
// this test changing; a field of a type it does not know fails the test.
func fillRandom(t *testing.T, r *rand.Rand, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(encodeValues[r.IntN(len(encodeValues))])
	case reflect.Struct:
		for i := range v.NumField() {
			fillRandom(t, r, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		n := r.IntN(4) // 0: nil or empty, both omitted
		if n == 0 {
			if r.IntN(2) == 0 {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fillRandom(t, r, s.Index(i), path+"[]")
		}
		v.Set(s)
	case reflect.Map:
		n := r.IntN(4)
		if n == 0 {
			if r.IntN(2) == 0 {
				v.Set(reflect.MakeMap(v.Type()))
			}
			return
		}
		m := reflect.MakeMap(v.Type())
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			fillRandom(t, r, k, path+"{key}")
			e := reflect.New(v.Type().Elem()).Elem()
			fillRandom(t, r, e, path+"{}")
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		t.Fatalf("%s: field of kind %s: teach AppendEncode and this test about it", path, v.Kind())
	}
}

// reflected has Entity's fields and tags but not its MarshalJSON, so that
// json.Marshal encodes it by reflection: the encoding every stored hash
// was made with.
type reflected tracker.Entity

func checkEncode(t *testing.T, e *tracker.Entity) {
	t.Helper()
	want, err := json.Marshal((*reflected)(e))
	if err != nil {
		t.Fatal(err)
	}
	if viaMethod, err := json.Marshal(e); err != nil || !bytes.Equal(viaMethod, want) {
		t.Fatalf("entity %q: json.Marshal through MarshalJSON = %s, %v\nwant %s", e.ID, viaMethod, err, want)
	}
	got, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("entity %q:\nEncode:       %s\njson.Marshal: %s", e.ID, got, want)
	}
	if prefix := []byte("prefix"); !bytes.Equal(e.AppendEncode(prefix), append(prefix, want...)) {
		t.Fatalf("entity %q: AppendEncode does not append", e.ID)
	}
}

// TestEncodeMatchesJSON holds the hand-written canonical encoding to what
// json.Marshal makes of the same entity by reflection, byte for byte:
// stored hashes were made that way and every later snapshot is compared
// with them.
func TestEncodeMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var e tracker.Entity
		fillRandom(t, r, reflect.ValueOf(&e).Elem(), "Entity")
		checkEncode(t, &e)
		e.Canonicalize()
		checkEncode(t, &e)
	}
	checkEncode(t, &tracker.Entity{})
	checkEncode(t, &tracker.Entity{ID: "1", Addresses: []tracker.Address{{}}, Notices: []tracker.Notice{{}, {URL: "u"}}})
}

// TestEncodeRealLists checks the same on every entity of real publications
// of each format.
func TestEncodeRealLists(t *testing.T) {
	for _, tc := range []struct {
		list  string
		paths []string
	}{
		{"ofac-sdn", []string{"ofac/sdn-csv/2024-05-03.sdn.csv"}},
		{"ofac-sdn", []string{"ofac/sdn-csv-trio/2021-07-07/sdn.csv", "ofac/sdn-csv-trio/2021-07-07/add.csv", "ofac/sdn-csv-trio/2021-07-07/alt.csv"}},
		{"ofac-consolidated", []string{"ofac/xml/2025-03-28.consolidated.xml"}},
		{"ofac-sdn", []string{"ofac/constructed/2025-11-19.sdn.xml"}},
		{"eu-fsf", []string{"eu/fsf/2020-11-20.xml"}},
		{"eu-fsf", []string{"eu/excerpts/2024-10-02.csvFullSanctionsList_1_1-excerpt.csv"}},
		{"uk-sanctions-list", []string{"uk/fcdo/2025-04-10.UK-Sanctions-List.xml"}},
		{"uk-ofsi-conlist", []string{"uk/ofsi/2025-04-10.ConList.from-xlsx.csv"}},
	} {
		t.Run(filepath.Base(tc.paths[0]), func(t *testing.T) {
			l, err := lists.Lookup(tc.list)
			if err != nil {
				t.Fatal(err)
			}
			var files []source.RawFile
			for _, p := range tc.paths {
				data, err := os.ReadFile(shareddata.Path(t, p))
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, source.RawFile{Name: filepath.Base(p), Data: data})
			}
			pub, err := l.Parse(context.Background(), files)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range pub.Entities {
				checkEncode(t, e)
			}
		})
	}
}

// FuzzEncodeString checks string escaping on arbitrary bytes.
func FuzzEncodeString(f *testing.F) {
	for _, s := range encodeValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkEncode(t, &tracker.Entity{ID: s, Name: s, Attrs: map[string]string{s: s}, Aliases: []tracker.Alias{{Name: s, Lang: s}}})
	})
}

// FuzzCleanSpace holds CleanSpace's fast path to its definition: white
// space trimmed and folded as strings.Fields sees it.
func FuzzCleanSpace(f *testing.F) {
	for _, s := range append(encodeValues, " a", "a ", "a  b", "a\u00a0b", "\u3000x", "x\u2003", "\xff \xff", "a\u0085b", "\u200bzero-width",
		"ABCDEFG  H", "ABCDEFGH  ", "ABCDEFG IJKLMNO  P", "ABCDEFGH\tIJ", "ABCDEFGH\u00a0IJ", "ABCDEF\x7f  GH", "ABCDEFG\x00 IJKLMN") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := tracker.CleanSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("CleanSpace(%q) = %q, want %q", s, got, want)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	data, err := os.ReadFile(shareddata.Path(b, "ofac/sdn-csv/2024-05-03.sdn.csv"))
	if err != nil {
		b.Fatal(err)
	}
	pub, err := ofac.Parse(context.Background(), []source.RawFile{{Name: "sdn.csv", Data: data}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("AppendEncode", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			for _, e := range pub.Entities {
				buf = e.AppendEncode(buf[:0])
			}
		}
	})
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range pub.Entities {
				if _, err := json.Marshal((*reflected)(e)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// FuzzCanonicalizeLists holds the set-like fields' cleaning, sorting and
// de-duplication, which avoid storing elements that stay in place, to
// their plain definition.
func FuzzCanonicalizeLists(f *testing.F) {
	f.Add("b|a|a| a |c|b||c", "x,1|x,1|y,2| x ,1|,3|x,|y,2")
	f.Add("a|b|c", "a,1|b,2")
	f.Add("c|c|b|a|a", "b,2|b,2|a,1|a,1")
	f.Fuzz(func(t *testing.T, list, ids string) {
		progs := strings.Split(list, "|")
		var idents []tracker.Identifier
		for _, p := range strings.Split(ids, "|") {
			typ, val, _ := strings.Cut(p, ",")
			idents = append(idents, tracker.Identifier{Type: typ, Value: val})
		}
		e := &tracker.Entity{Programs: slices.Clone(progs), Identifiers: slices.Clone(idents)}
		e.Canonicalize()

		clean := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		var wantProgs []string
		for _, p := range progs {
			if p = clean(p); p != "" {
				wantProgs = append(wantProgs, p)
			}
		}
		slices.Sort(wantProgs)
		wantProgs = slices.Compact(wantProgs)
		var wantIDs []tracker.Identifier
		for _, id := range idents {
			id.Type, id.Value = clean(id.Type), clean(id.Value)
			if id.Value != "" {
				wantIDs = append(wantIDs, id)
			}
		}
		slices.SortFunc(wantIDs, func(a, b tracker.Identifier) int {
			return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Value, b.Value))
		})
		wantIDs = slices.Compact(wantIDs)
		if !slices.Equal(e.Programs, wantProgs) || !slices.Equal(e.Identifiers, wantIDs) {
			t.Fatalf("got %q %q, want %q %q", e.Programs, e.Identifiers, wantProgs, wantIDs)
		}
	})
}
