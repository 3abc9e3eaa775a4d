package screen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/match"
	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/source/eu"
	"github.com/cybersanctions/tracker/internal/source/ofac"
	"github.com/cybersanctions/tracker/internal/source/uk"
)

// The labelled set of docs/screening.md, built here from the real lists in
// ../shared/data, deterministically (a fixed seed): real designated names
// turned into the variants a counterparty file holds, and names of the same
// styles that no list designates.

// realList is one list's latest real snapshot in ../shared/data.
type realList struct {
	list, file string
	parse      source.Parser
}

var realLists = []realList{
	{"ofac-sdn", "ofac/sdn-csv/2024-05-03.sdn.csv", ofac.Parse},
	{"uk-ofsi-conlist", "uk/ofsi/2025-04-10.ConList.from-xlsx.csv", uk.ParseConList},
	{"eu-fsf", "eu/fsf/2020-11-20.xml", eu.Parse},
}

// designation is one entity of a real list.
type designation struct {
	list string
	e    *tracker.Entity
}

var (
	realOnce sync.Once
	realDesg []designation
	realErr  error
)

// loadReal parses the real lists once per test binary.
func loadReal(tb testing.TB) []designation {
	tb.Helper()
	dir := shareddata.Dir(tb)
	realOnce.Do(func() {
		for _, l := range realLists {
			data, err := os.ReadFile(dir + "/" + l.file)
			if err != nil {
				realErr = err
				return
			}
			pub, err := l.parse(context.Background(), []source.RawFile{{Name: l.file, Data: data}})
			if err != nil {
				realErr = fmt.Errorf("%s: %w", l.file, err)
				return
			}
			for _, e := range pub.Entities {
				realDesg = append(realDesg, designation{l.list, e})
			}
		}
	})
	if realErr != nil {
		tb.Fatal(realErr)
	}
	return realDesg
}

// sample is one labelled counterparty: a variant of a designation (Source
// set) or a name no list designates (Source empty).
type sample struct {
	party  Party
	style  string
	source string // "list/id" of the designation it is a variant of
	person bool
}

// labelled builds the set: nPerson and nOrg designated names, each turned
// into every variant style that applies, and negatives of each class.
func labelled(ds []designation, nPerson, nOrg, nNeg int) []sample {
	r := rand.New(rand.NewPCG(18, 2026))
	designated := designatedNames(ds)
	var persons, orgs []designation
	for _, d := range ds {
		n, ok := newName(d.e.Name, d.e.Kind != tracker.KindPerson)
		switch {
		case !ok || len(n.toks) < 2 && d.e.Kind == tracker.KindPerson:
		case d.e.Kind == tracker.KindPerson:
			persons = append(persons, d)
		case d.e.Kind == tracker.KindEntity:
			orgs = append(orgs, d)
		}
	}
	var out []sample
	for i, d := range pick(r, persons, nPerson) {
		out = append(out, personVariants(r, d, i)...)
	}
	for i, d := range pick(r, orgs, nOrg) {
		out = append(out, orgVariants(r, d, i)...)
	}
	out = append(out, personNegatives(r, persons, designated, nNeg)...)
	out = append(out, orgNegatives(r, orgs, designated, nNeg)...)
	return out
}

func pick(r *rand.Rand, ds []designation, n int) []designation {
	idx := r.Perm(len(ds))[:min(n, len(ds))]
	out := make([]designation, len(idx))
	for i, j := range idx {
		out[i] = ds[j]
	}
	return out
}

// designatedNames: every name of every designation, as sorted skeletons,
// to check that a negative is not a designated name after all.
func designatedNames(ds []designation) [][]string {
	var out [][]string
	for _, d := range ds {
		s := prepareDesignation(d.e)
		for _, n := range s.names {
			sk := slices.Clone(n.skels)
			slices.Sort(sk)
			out = append(out, sk)
		}
	}
	return out
}

// isDesignated: the name's skeletons equal a designated name's, or one
// holds the other's (a designated name without a middle name, or a
// company named after a designated one, "ROSNEFT GLOBAL", is one a
// screener should raise: not a negative).
func isDesignated(designated [][]string, display string, org bool) bool {
	n, ok := newName(display, org)
	if !ok {
		return true
	}
	sk := slices.Clone(n.skels)
	slices.Sort(sk)
	for _, d := range designated {
		if subsetOf(sk, d) || subsetOf(d, sk) && (org || len(d) >= 2) {
			return true
		}
	}
	return false
}

func subsetOf(small, big []string) bool {
	if len(small) > len(big) {
		return false
	}
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

// words of a designation's name in the order a customer file writes them:
// "YAKUBETS, Maksim Viktorovich" → Maksim Viktorovich YAKUBETS.
func displayWords(name string) []string {
	if last, first, ok := strings.Cut(name, ","); ok {
		name = first + " " + last
	}
	return strings.Fields(name)
}

func personVariants(r *rand.Rand, d designation, i int) []sample {
	words := displayWords(d.e.Name)
	base := Party{Kind: tracker.KindPerson}
	if len(d.e.BirthDates) > 0 && r.IntN(2) == 0 {
		base.BirthDate = d.e.BirthDates[0]
	}
	if len(d.e.Nationalities) > 0 && r.IntN(2) == 0 {
		base.Country = d.e.Nationalities[0]
	}
	styles := map[string]string{
		"transliteration": strings.Join(transliterate(r, words), " "),
		"word order":      strings.Join(reorder(r, words), " "),
		"typo":            strings.Join(typo(r, words), " "),
		"diacritics":      strings.Join(diacritics(r, words), " "),
	}
	if len(words) >= 3 {
		k := 1 + r.IntN(len(words)-2)
		w := slices.Delete(slices.Clone(words), k, k+1)
		styles["missing middle name"] = strings.Join(w, " ")
	}
	return variantSamples(d, base, styles, fmt.Sprintf("VP-%d", i), true)
}

func orgVariants(r *rand.Rand, d designation, i int) []sample {
	words := strings.Fields(d.e.Name)
	base := Party{Kind: tracker.KindEntity}
	if r.IntN(3) == 0 {
		base.Kind = "" // files often do not say
	}
	if s := prepareDesignation(d.e); len(s.countries) > 0 && r.IntN(2) == 0 {
		base.Country = s.countries[0]
	}
	styles := map[string]string{
		"legal form":      strings.Join(legalForm(r, words), " "),
		"typo":            strings.Join(typo(r, words), " "),
		"diacritics":      strings.Join(diacritics(r, words), " "),
		"transliteration": strings.Join(transliterate(r, words), " "),
	}
	return variantSamples(d, base, styles, fmt.Sprintf("VO-%d", i), false)
}

func variantSamples(d designation, base Party, styles map[string]string, ref string, person bool) []sample {
	var out []sample
	keys := make([]string, 0, len(styles))
	for k := range styles {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, style := range keys {
		p := base
		p.Ref, p.Name = ref+"-"+strings.ReplaceAll(style, " ", "-"), styles[style]
		out = append(out, sample{party: p, style: style, source: d.list + "/" + d.e.ID, person: person})
	}
	return out
}

// transliterations are the spellings one Cyrillic or Arabic letter gets
// in the Latin alphabet, as the lists and passports differ.
var transliterations = [][2]string{
	{"KS", "X"}, {"X", "KS"}, {"IY", "Y"}, {"YE", "E"}, {"KH", "H"}, {"OV", "OFF"}, {"EV", "EFF"},
	{"SH", "SCH"}, {"ZH", "J"}, {"YU", "IU"}, {"YA", "IA"}, {"II", "IY"}, {"EI", "EY"}, {"AI", "AY"},
	{"OU", "U"}, {"U", "OU"}, {"MOHAMMED", "MUHAMMAD"}, {"MOHAMMAD", "MUHAMMAD"}, {"MUHAMMAD", "MOHAMED"},
	{"AL-", "EL-"}, {"C", "K"}, {"TS", "TZ"}, {"V", "W"}, {"Y", "I"},
}

// transliterate respells one word of the name the way another
// transliteration system would.
func transliterate(r *rand.Rand, words []string) []string {
	w := slices.Clone(words)
	for _, i := range r.Perm(len(w)) {
		up := strings.ToUpper(w[i])
		for _, j := range r.Perm(len(transliterations)) {
			t := transliterations[j]
			if k := strings.Index(up[min(1, len(up)):], t[0]); k >= 0 && len(up) > 3 {
				k += min(1, len(up))
				w[i] = up[:k] + t[1] + up[k+len(t[0]):]
				return w
			}
		}
	}
	return w
}

// reorder writes the surname first, or the words in another order.
func reorder(r *rand.Rand, words []string) []string {
	w := slices.Clone(words)
	if len(w) < 2 {
		return w
	}
	last := w[len(w)-1]
	copy(w[1:], w[:len(w)-1])
	w[0] = last
	if r.IntN(2) == 0 {
		w[0] += ","
	}
	return w
}

// typo makes one slip of the keyboard in one word of five letters or more,
// never on its first letter: a letter swapped, dropped, doubled or
// replaced by a neighbour.
func typo(r *rand.Rand, words []string) []string {
	w := slices.Clone(words)
	var long []int
	for i, x := range w {
		if len(x) >= 5 && isASCIIWord(x) {
			long = append(long, i)
		}
	}
	if len(long) == 0 {
		return w
	}
	i := long[r.IntN(len(long))]
	b := []byte(w[i])
	k := 1 + r.IntN(len(b)-2)
	switch r.IntN(4) {
	case 0:
		b[k], b[k+1] = b[k+1], b[k]
	case 1:
		b = slices.Delete(b, k, k+1)
	case 2:
		b = slices.Insert(b, k, b[k])
	default:
		b[k] = neighbour(b[k])
	}
	w[i] = string(b)
	return w
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// neighbour is the key beside a letter on a QWERTY keyboard.
func neighbour(c byte) byte {
	rows := []string{"QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM", "qwertyuiop", "asdfghjkl", "zxcvbnm"}
	for _, row := range rows {
		if i := strings.IndexByte(row, c); i >= 0 {
			if i+1 < len(row) {
				return row[i+1]
			}
			return row[i-1]
		}
	}
	return c
}

// diacritics writes the name in mixed case with the accents a European
// spelling puts on it.
func diacritics(r *rand.Rand, words []string) []string {
	accents := map[rune][]string{'A': {"á", "ä", "â"}, 'E': {"é", "è", "ë"}, 'I': {"í", "ï"}, 'O': {"ö", "ó"}, 'U': {"ü", "ú"}, 'C': {"ç"}, 'N': {"ñ"}, 'S': {"š"}, 'Z': {"ž"}}
	w := make([]string, len(words))
	for i, x := range words {
		var b strings.Builder
		for j, c := range strings.ToUpper(x) {
			switch alts := accents[c]; {
			case len(alts) > 0 && r.IntN(3) == 0:
				b.WriteString(alts[r.IntN(len(alts))])
			case j == 0:
				b.WriteRune(c)
			default:
				b.WriteString(strings.ToLower(string(c)))
			}
		}
		w[i] = b.String()
	}
	return w
}

var legalForms = []string{"LLC", "Ltd", "Limited", "Co., Ltd.", "JSC", "OOO", "GmbH", "Inc.", "S.A."}

// legalForm drops the name's legal form, or gives it another one when it
// has none the normalisation knows.
func legalForm(r *rand.Rand, words []string) []string {
	org := NormaliseOrgForTest(strings.Join(words, " "))
	var kept []string
	for _, x := range words {
		f := match.Tokens(x)
		if len(f) == 1 && !slices.Contains(org, f[0]) {
			continue // a legal-form word
		}
		kept = append(kept, x)
	}
	if len(kept) < len(words) && len(kept) > 0 {
		return kept
	}
	return append(slices.Clone(words), legalForms[r.IntN(len(legalForms))])
}

// NormaliseOrgForTest is an organisation name's words without legal form.
func NormaliseOrgForTest(s string) []string { return match.NormaliseName(s, true).Tokens }

func personNegatives(r *rand.Rand, persons []designation, designated [][]string, n int) []sample {
	var out []sample
	styles := []string{"plain", "word order", "typo", "diacritics", "transliteration"}
	for len(out) < n {
		a := displayWords(persons[r.IntN(len(persons))].e.Name)
		b := displayWords(persons[r.IntN(len(persons))].e.Name)
		words := append(slices.Clone(a[:len(a)-1]), b[len(b)-1])
		if len(words) < 2 || isDesignated(designated, strings.Join(words, " "), false) {
			continue
		}
		style := styles[len(out)%len(styles)]
		words = applyStyle(r, style, words)
		p := Party{Ref: fmt.Sprintf("NP-%d", len(out)), Kind: tracker.KindPerson, Name: strings.Join(words, " ")}
		if r.IntN(2) == 0 {
			p.BirthDate = fmt.Sprintf("%d-%02d-%02d", 1950+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28))
		}
		out = append(out, sample{party: p, style: style, person: true})
	}
	return out
}

// orgWords are the generic words company names are built of, besides the
// distinctive words of designated organisations.
var orgWords = strings.Fields("Global Trading Logistics Holding Group International Energy Systems Solutions " +
	"Technologies Industrial Investment Capital Shipping Marine Services Consulting Engineering Development " +
	"Resources Partners Commerce Import Export Petroleum Metals Construction Software Digital Finance")

func orgNegatives(r *rand.Rand, orgs []designation, designated [][]string, n int) []sample {
	var out []sample
	styles := []string{"plain", "legal form", "typo", "diacritics"}
	for len(out) < n {
		a := NormaliseOrgForTest(orgs[r.IntN(len(orgs))].e.Name)
		if len(a) == 0 {
			continue
		}
		words := []string{a[r.IntN(len(a))]}
		for k := r.IntN(2); k >= 0; k-- {
			words = append(words, orgWords[r.IntN(len(orgWords))])
		}
		if isDesignated(designated, strings.Join(words, " "), true) {
			continue
		}
		words = append(words, legalForms[r.IntN(len(legalForms))])
		style := styles[len(out)%len(styles)]
		words = applyStyle(r, style, words)
		p := Party{Ref: fmt.Sprintf("NO-%d", len(out)), Kind: tracker.KindEntity, Name: strings.Join(words, " ")}
		out = append(out, sample{party: p, style: style})
	}
	return out
}

func applyStyle(r *rand.Rand, style string, words []string) []string {
	switch style {
	case "word order":
		return reorder(r, words)
	case "typo":
		return typo(r, words)
	case "diacritics":
		return diacritics(r, words)
	case "transliteration":
		return transliterate(r, words)
	case "legal form":
		return legalForm(r, words)
	}
	return words
}
