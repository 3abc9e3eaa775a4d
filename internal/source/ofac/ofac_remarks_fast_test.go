package ofac

import (
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker/internal/source"
)

// The remarks' helpers as they were before they were made faster, for
// FuzzOFACRemarkHelpers to hold the new ones to.

func ofacCutCountryRef(s string) (number, country string) {
	if !strings.HasSuffix(s, ")") {
		return s, ""
	}
	i := strings.LastIndex(s, " (")
	if i <= 0 {
		return s, ""
	}
	if c := s[i+2 : len(s)-1]; c != "" && !strings.ContainsAny(c, "()0123456789") {
		return strings.TrimSpace(s[:i]), c
	}
	return s, ""
}

func ofacCutDateRef(s, sep string) (before, iso string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i <= 0 {
		return s, "", false
	}
	iso = source.DayMonAbbrevYear(s[i+len(sep):])
	if !ofacIsISO(iso) {
		return s, "", false
	}
	return s[:i], iso, true
}

func FuzzOFACRemarkHelpers(f *testing.F) {
	for _, s := range []string{
		"A1234567 (Pakistan) issued 14 Nov 2007 expires 12 Nov 2012", "12345 (EO 14024 Directive 2)",
		" (Russia)", "X  (Korea, North)", "() (x)", "A (B (C))", "X issued 2012", "X expires Nov 2012 ",
		" expires 2012", "X issued 2012-01-02", "X expires 2012\u00a0", "X issued 2012\t", "DOB 1950; ; a.k.a. 'X';",
		"a;b; c;; d; ", ";", "; ", "", "\x7f", " x", "x\u2028", "\u00a0x", "\x80", "~",
	} {
		f.Add(s)
	}
	var b ofacRemarksBuf
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ofacTrim(s), strings.TrimSpace(s); got != want {
			t.Errorf("ofacTrim(%q) = %q, want %q", s, got, want)
		}
		n, c := ofacCutCountry(s)
		if wn, wc := ofacCutCountryRef(s); n != wn || c != wc {
			t.Errorf("ofacCutCountry(%q) = %q, %q; want %q, %q", s, n, c, wn, wc)
		}
		for _, sep := range []string{" expires ", " issued "} {
			v, d, ok := b.cutDate(s, sep)
			if wv, wd, wok := ofacCutDateRef(s, sep); v != wv || d != wd || ok != wok {
				t.Errorf("cutDate(%q, %q) = %q, %q, %v; want %q, %q, %v", s, sep, v, d, ok, wv, wd, wok)
			}
		}
		var items []string
		for more, rest := true, s; more; {
			var item string
			item, rest, more = ofacCutItem(rest)
			items = append(items, item)
		}
		if want := slices.Collect(strings.SplitSeq(s, "; ")); !slices.Equal(items, want) {
			t.Errorf("items of %q: %q, want %q", s, items, want)
		}
	})
}

// TestOFACRemarkAliasTypes: the types the remarks' alias items get are
// what ofacAliasType makes of their prefixes.
func TestOFACRemarkAliasTypes(t *testing.T) {
	for _, p := range []string{"a.k.a. ", "f.k.a. ", "n.k.a. "} {
		var b ofacRemarksBuf
		if !ofacRemarkItem(&b, p+"'X'") || len(b.aliases) != 1 {
			t.Fatalf("%q: no alias", p)
		}
		if got, want := b.aliases[0].Type, ofacAliasType(p); got != want {
			t.Errorf("%q: type %q, want %q", p, got, want)
		}
	}
	var b ofacRemarksBuf
	for _, item := range []string{"x.k.a. 'X'", "a.k.a 'X'", "a.k.a. X", "a.k.a. '"} {
		if ofacRemarkItem(&b, item) || len(b.aliases) != 0 {
			t.Errorf("%q read as an alias", item)
		}
	}
}

// TestOFACDatedLabels: the labels with a programme in parentheses are
// read only after their stem.
func TestOFACDatedLabels(t *testing.T) {
	for _, tc := range []struct {
		item, label, rest string
		ok                bool
	}{
		{"Listing Date (EO 14024 Directive 2): 08 May 2023", "Listing Date (EO 14024 Directive 2):", "08 May 2023", true},
		{"Effective Date (CMIC) 03 Jun 2021", "Effective Date (CMIC)", "03 Jun 2021", true},
		{" (EO 14024 Directive 2): 08 May 2023", "", "", false},
		{"Listing Date (EO 14024", "", "", false},
		{"Listing Date (", "", "", false},
		{"Listing Date", "", "", false},
	} {
		label, rest, ok := ofacIDLabelPattern(tc.item)
		if label != tc.label || rest != tc.rest || ok != tc.ok {
			t.Errorf("%q: %q, %q, %v; want %q, %q, %v", tc.item, label, rest, ok, tc.label, tc.rest, tc.ok)
		}
	}
}
