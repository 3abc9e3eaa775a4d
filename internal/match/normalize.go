// Package match decides whether two designations on different lists are the
// same subject. It keeps the three steps apart, as OpenSanctions' rigour and
// nomenklatura do: Normalise (names, identifiers, dates, countries) →
// Keys (blocking keys: only entities sharing a key are ever compared, so no
// list is cross-joined with another) → Compare (a score that always says
// why). It is pure: entities in, keys and verdicts out; storage decides
// where the keys live.
package match

import (
	"strings"
	"sync"
	"unicode"

	"github.com/gosimple/unidecode"
	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldChain takes accents off Latin letters and folds case the Unicode way
// (ß → ss) before transliteration, so that "Müller" and "MUELLER" differ only
// where unidecode cannot help, and "Ł"-like letters reach unidecode whole.
// A transform.Transformer keeps state: one per goroutine, from a pool.
var foldPool = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), cases.Fold(), norm.NFC)
}}

// Fold returns s Unicode-folded and transliterated to upper-case ASCII
// letters and digits, every other character a space: "Гао Цян" → "GAO TSIAN",
// "Müller-Lüdenscheidt & Co." → "MULLER LUDENSCHEIDT & CO". The ampersand
// stays: it is a word ("AND") in company names.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		t := foldPool.Get().(transform.Transformer)
		t.Reset()
		if out, _, err := transform.String(t, s); err == nil {
			s = out
		}
		foldPool.Put(t)
		// Cyrillic, Greek, Arabic, CJK…: what x/text leaves non-ASCII,
		// unidecode spells in Latin letters.
		s = unidecode.Unidecode(s)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '&':
			b = append(b, c)
		case c == '\'' || c == '`': // O'Brien, D`Arcy: one word
		default:
			b = append(b, ' ')
		}
	}
	return string(b)
}

// Tokens returns the words of a folded name, "&" spelt "AND".
func Tokens(s string) []string {
	f := strings.Fields(strings.ReplaceAll(Fold(s), "&", " AND "))
	return f
}

// legalForms are the words of a company's legal form, in the Latin
// spellings the lists use and in the transliteration of their Cyrillic
// abbreviations (ООО → OOO): "X LIMITED", "X LTD" and "OOO X" are the same
// name. Longer phrases are taken off before single words.
var legalPhrases = [][]string{
	{"LIMITED", "LIABILITY", "COMPANY"},
	{"LIMITED", "LIABILITY", "PARTNERSHIP"},
	{"CLOSED", "JOINT", "STOCK", "COMPANY"},
	{"OPEN", "JOINT", "STOCK", "COMPANY"},
	{"PUBLIC", "JOINT", "STOCK", "COMPANY"},
	{"JOINT", "STOCK", "COMPANY"},
	{"PUBLIC", "LIMITED", "COMPANY"},
	{"PRIVATE", "LIMITED", "COMPANY"},
	{"PRIVATE", "LIMITED"},
	{"OBSHCHESTVO", "S", "OGRANICHENNOI", "OTVETSTVENNOSTIU"},
	{"OBSHCHESTVO", "S", "OGRANICHENNOY", "OTVETSTVENNOSTYU"},
	{"AKTSIONERNOE", "OBSHCHESTVO"},
	{"SP", "Z", "O", "O"},
	{"L", "L", "C"},
	{"S", "A"},
}

var legalWords = map[string]bool{
	"LIMITED": true, "LTD": true, "LLC": true, "LLP": true, "LP": true, "PLC": true,
	"INC": true, "INCORPORATED": true, "CORP": true, "CORPORATION": true,
	"CO": true, "COMPANY": true, "GMBH": true, "AG": true, "KG": true, "SA": true, "SAS": true,
	"SARL": true, "SRL": true, "SPA": true, "BV": true, "NV": true, "AB": true, "OY": true,
	"PTE": true, "PVT": true, "SDN": true, "BHD": true, "FZE": true, "FZCO": true, "FZC": true,
	"FZ": true, "DMCC": true, "JSC": true, "CJSC": true, "OJSC": true, "PJSC": true, "PAO": true,
	"OAO": true, "ZAO": true, "OOO": true, "AO": true, "TOO": true, "KFT": true, "DOO": true,
	"THE": true,
}

// dropLegalForm removes legal-form words from a company's tokens. A name
// that is nothing but such words keeps them: "THE COMPANY" stays a name.
func dropLegalForm(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	for i := 0; i < len(tokens); {
		if n := phraseAt(tokens, i); n > 0 {
			i += n
			continue
		}
		if !legalWords[tokens[i]] {
			out = append(out, tokens[i])
		}
		i++
	}
	if len(out) == 0 {
		return tokens
	}
	return out
}

func phraseAt(tokens []string, i int) int {
next:
	for _, p := range legalPhrases {
		if i+len(p) > len(tokens) {
			continue
		}
		for j, w := range p {
			if tokens[i+j] != w {
				continue next
			}
		}
		return len(p)
	}
	return 0
}

// Skeleton reduces a folded name token to what survives the usual ways of
// spelling a Russian, Ukrainian or Arabic name in Latin letters, so that
// Aleksandr/Alexander, Yevgeniy/Evgeny/Evgenii, Mikhailov/Mikhaylov and
// Iskritskiy/Iskritsky meet. unidecode gives one spelling of a Cyrillic
// name; the lists use several (BGN/PCGN, passport ICAO, French, German),
// and no maintained Go library folds those together, hence this small
// table:
//
//	KS → X, KH → H, PH → F, W → V, J → Y (after the first letter), a leading
//	YE/YO/E → E; then vowels (and Y) after the first letter are dropped and
//	doubled letters collapsed.
//
// Two different names can share a skeleton ("ALI" and "ALLA" do not, but
// "IVAN" and "IVANA" do): a skeleton alone never links, it only finds
// candidates and supports a match that a birth date confirms.
func Skeleton(tok string) string {
	if tok == "" {
		return ""
	}
	// One pass, the replacements read as they come: a strings.Replacer
	// and a second pass cost a third of preparing a list for linking.
	var buf [32]byte
	b := buf[:0]
	emit := func(c byte) {
		switch {
		case len(b) == 0:
		case c == 'A', c == 'E', c == 'I', c == 'O', c == 'U', c == 'Y', c == 'J':
			return
		case b[len(b)-1] == c:
			return
		}
		b = append(b, c)
	}
	i := 0
	if strings.HasPrefix(tok, "YE") || strings.HasPrefix(tok, "YO") {
		emit('E')
		i = 2
	}
	for i < len(tok) {
		c := tok[i]
		var next byte
		if i+1 < len(tok) {
			next = tok[i+1]
		}
		switch {
		case c == 'K' && next == 'S':
			emit('X')
			i += 2
		case c == 'K' && next == 'H':
			emit('H')
			i += 2
		case c == 'P' && next == 'H':
			emit('F')
			i += 2
		case c == 'C' && next == 'K':
			emit('K')
			i += 2
		case c == 'W':
			emit('V')
			i++
		default:
			emit(c)
			i++
		}
	}
	return string(b)
}

// Name is a name ready to compare: its folded tokens sorted (token order
// does not matter: "ZHAO, Guangzong" is "Guangzong ZHAO"), the same for the
// skeletons, and the keys built from them.
type Name struct {
	Tokens    []string // folded, legal forms taken off for organisations, sorted
	Skeletons []string // Skeleton of each token, sorted
}

// Full is the name's comparison form: its sorted tokens.
func (n Name) Full() string { return strings.Join(n.Tokens, " ") }

// SkeletonFull is the sorted skeletons.
func (n Name) SkeletonFull() string { return strings.Join(n.Skeletons, " ") }

// NormaliseName folds and tokenises a name; organisation says whether legal
// forms are to be taken off.
func NormaliseName(s string, organisation bool) Name {
	toks := Tokens(s)
	if organisation {
		toks = dropLegalForm(toks)
	}
	sortStrings(toks)
	toks = uniq(toks)
	sk := make([]string, len(toks))
	for i, t := range toks {
		sk[i] = Skeleton(t)
	}
	sortStrings(sk)
	return Name{Tokens: toks, Skeletons: sk}
}

func sortStrings(s []string) {
	// insertion sort: names have a handful of words
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func uniq(s []string) []string {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// countryAliases folds the ways the lists name a country to one name. Only
// the differences seen between the OFAC, UK and EU lists are here; any
// other country is compared by its folded name.
var countryAliases = map[string]string{
	"RUSSIAN FEDERATION":                    "RUSSIA",
	"RUSSIA FEDERATION":                     "RUSSIA",
	"KOREA NORTH":                           "NORTH KOREA",
	"DEMOCRATIC PEOPLE S REPUBLIC OF KOREA": "NORTH KOREA",
	"DEMOCRATIC PEOPLES REPUBLIC OF KOREA":  "NORTH KOREA",
	"DPRK":                                  "NORTH KOREA",
	"KOREA DEMOCRATIC PEOPLE S REPUBLIC OF": "NORTH KOREA",
	"KOREA SOUTH":                           "SOUTH KOREA",
	"REPUBLIC OF KOREA":                     "SOUTH KOREA",
	"KOREA REPUBLIC OF":                     "SOUTH KOREA",
	"IRAN ISLAMIC REPUBLIC OF":              "IRAN",
	"ISLAMIC REPUBLIC OF IRAN":              "IRAN",
	"SYRIAN ARAB REPUBLIC":                  "SYRIA",
	"PEOPLE S REPUBLIC OF CHINA":            "CHINA",
	"PEOPLES REPUBLIC OF CHINA":             "CHINA",
	"PRC":                                   "CHINA",
	"UNITED KINGDOM":                        "UK",
	"UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND": "UK",
	"UNITED STATES":                    "US",
	"UNITED STATES OF AMERICA":         "US",
	"USA":                              "US",
	"VENEZUELA BOLIVARIAN REPUBLIC OF": "VENEZUELA",
	"MOLDOVA REPUBLIC OF":              "MOLDOVA",
	"REPUBLIC OF MOLDOVA":              "MOLDOVA",
	"TURKIYE":                          "TURKEY",
	"LAO PEOPLE S DEMOCRATIC REPUBLIC": "LAOS",
	"VIET NAM":                         "VIETNAM",
	"BELARUS REPUBLIC OF":              "BELARUS",
	"REPUBLIC OF BELARUS":              "BELARUS",
	"CONGO DEMOCRATIC REPUBLIC OF THE": "DR CONGO",
	"DEMOCRATIC REPUBLIC OF THE CONGO": "DR CONGO",
	"PALESTINIAN":                      "PALESTINE",
	"STATE OF PALESTINE":               "PALESTINE",
}

// Country folds a country name to the form countries are compared in.
func Country(s string) string {
	f := strings.Join(Tokens(s), " ")
	if c, ok := countryAliases[f]; ok {
		return c
	}
	return f
}
