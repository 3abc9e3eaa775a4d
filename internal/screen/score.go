package screen

import (
	"slices"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/match"
	edlib "github.com/hbollon/go-edlib"
)

// Scoring weights. They were set on the labelled set of docs/screening.md
// (TestQuality measures them on every run); change them only with that
// table.
const (
	// minTokenSim is the lowest Jaro-Winkler similarity at which two words
	// count as the same word misspelt; below it they are different words.
	// One typo in a five-letter word scores about 0.88.
	minTokenSim = 0.86
	// variantSim is the similarity of two words with the same skeleton
	// (Aleksandr/Alexander, Yevgeniy/Evgeny): a transliteration, not a typo.
	variantSim = 0.96
	// abbrevSim is an organisation's abbreviated word ("SCI" for SCIENCE).
	abbrevSim = 0.9
	// Words left over on the longer name: a missing middle name or
	// patronymic costs a person little, an extra word of a company name
	// more ("ROSNEFT" is not "ROSNEFT TRADING").
	personExtraWeight = 0.1
	orgExtraWeight    = 0.3
	// nameFloor is the name score below which a name is no reason at all.
	nameFloor = 0.75

	dateExactBonus   = 0.04
	datePartialBonus = 0.02
	dateConflict     = 0.2
	countryBonus     = 0.02
	countryConflict  = 0.05
	kindConflict     = 0.1
)

// tokenSim is the similarity of two folded words: 1 when equal, variantSim
// when their skeletons are, abbrevSim for an organisation's usual
// abbreviation, else their Jaro-Winkler similarity if at least
// minTokenSim, else 0. Jaro-Winkler is only asked about words that could
// be one another misspelt: four letters or more, the same first letter
// (a slip on the first letter is rare, and "GHASSAN" is not "HASSAN"),
// lengths within two letters (a typo adds or drops one; "PETROVICH" is a
// patronymic, not "PETROV" misspelt).
func tokenSim(a, b, ska, skb string, org bool) float64 {
	if a == b {
		return 1
	}
	if ska == skb && len(ska) >= 2 && min(len(a), len(b)) >= 3 {
		return variantSim // not "AL" for "ALI"
	}
	if org && isAbbreviation(a, b) {
		return abbrevSim
	}
	return typoSim(a, b)
}

// typoSim is the Jaro-Winkler part of tokenSim: the similarity of two
// words that may be one another misspelt, else 0.
func typoSim(a, b string) float64 {
	if min(len(a), len(b)) < 4 || a[0] != b[0] || len(a)-len(b) > 2 || len(b)-len(a) > 2 || !mayBeTypo(a, b) {
		return 0
	}
	if j := float64(edlib.JaroWinklerSimilarity(a, b)); j >= minTokenSim {
		return j
	}
	return 0
}

// mayBeTypo bounds Jaro-Winkler from above without computing it: Jaro's
// matching characters are at most the letters the words share, and
// Winkler's prefix bonus at most 0.4 of what Jaro lacks. Most pairs of
// words fail here, for the price of counting letters.
func mayBeTypo(a, b string) bool {
	var count [256]int8
	for i := 0; i < len(a); i++ {
		count[a[i]]++
	}
	m := 0
	for i := 0; i < len(b); i++ {
		if count[b[i]] > 0 {
			count[b[i]]--
			m++
		}
	}
	jaro := (float64(m)/float64(len(a)) + float64(m)/float64(len(b)) + 1) / 3
	return jaro+0.4*(1-jaro) >= minTokenSim
}

// abbreviations are the short forms company names are written with.
var abbreviations = map[string][]string{
	"SCI": {"SCIENCE", "SCIENCES", "SCIENTIFIC"}, "TECH": {"TECHNOLOGY", "TECHNOLOGIES", "TECHNICAL"},
	"INTL": {"INTERNATIONAL"}, "INT": {"INTERNATIONAL"}, "IND": {"INDUSTRY", "INDUSTRIES", "INDUSTRIAL"},
	"INDS": {"INDUSTRIES"}, "MFG": {"MANUFACTURING"}, "GRP": {"GROUP"}, "ENG": {"ENGINEERING"},
	"ENGG": {"ENGINEERING"}, "TRDG": {"TRADING"}, "DEV": {"DEVELOPMENT"}, "INV": {"INVESTMENT", "INVESTMENTS"},
	"MGMT": {"MANAGEMENT"}, "MGT": {"MANAGEMENT"}, "SVCS": {"SERVICES"}, "SERV": {"SERVICES", "SERVICE"},
	"NATL": {"NATIONAL"}, "ASSN": {"ASSOCIATION"}, "HLDG": {"HOLDING"}, "HLDGS": {"HOLDINGS"},
	"BROS": {"BROTHERS"}, "DIST": {"DISTRIBUTION"}, "ELEC": {"ELECTRIC", "ELECTRICAL", "ELECTRONICS"},
	"EQUIP": {"EQUIPMENT"}, "INST": {"INSTITUTE"}, "LAB": {"LABORATORY"}, "LABS": {"LABORATORIES"},
	"PHARM": {"PHARMACEUTICAL", "PHARMACEUTICALS"}, "PROD": {"PRODUCTS", "PRODUCTION"}, "RES": {"RESEARCH"},
	"SYS": {"SYSTEMS"}, "TRANS": {"TRANSPORT", "TRANSPORTATION"}, "UNIV": {"UNIVERSITY"},
}

// expansions maps a long word to its abbreviations.
var expansions = func() map[string][]string {
	m := map[string][]string{}
	for short, longs := range abbreviations {
		for _, l := range longs {
			m[l] = append(m[l], short)
		}
	}
	return m
}()

// abbreviationsOf is the words that may be w abbreviated or spelt out.
func abbreviationsOf(w string) []string {
	return append(slices.Clone(abbreviations[w]), expansions[w]...)
}

func isAbbreviation(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for _, long := range abbreviations[a] {
		if long == b {
			return true
		}
	}
	return false
}

// pairing is one word of a name paired with one of the other's.
type pairing struct {
	i, j int
	sim  float64
}

// leftoverCost is what each unpaired word costs when both names have
// one (then a word differs: "Igor" for "Maksim", it is not missing), and
// each unpaired word after the first when only one name has them: one
// middle name is usual, "Ali KHALILI" inside a name of seven words is not
// that name.
const leftoverCost = 0.05

// nameScore compares two names, token order ignored: each word is paired
// with its most similar word on the other side (greedily, best pairs
// first, each word used once), and each name's share is the weighted part
// of its words that found a pair, times their similarity. When one name
// has all its words paired, the other's unpaired words (a middle name, a
// patronymic) cost a person personExtraWeight of their share and an
// organisation orgExtraWeight, and leftoverCost each after the first; when
// both have unpaired words, the score is the mean share less leftoverCost
// a word. sim(i, j) is the similarity
// of a's word i and b's word j.
func nameScore(a, b *name, person bool, sim func(i, j int) float64) float64 {
	if person && (len(a.toks) < 2 || len(b.toks) < 2) {
		// A person is never matched on one word: "Baget", an alias or
		// a lone surname names too many people.
		return 0
	}
	shareA, shareB, leftA, leftB := pairWords(a, b, sim)
	if shareA == 0 {
		return 0
	}
	extra := orgExtraWeight
	if person {
		extra = personExtraWeight
	}
	switch {
	case leftA == 0 && leftB == 0:
		return (shareA + shareB) / 2
	case leftA == 0:
		return max(0, (1-extra)*shareA+extra*shareB-leftoverCost*float64(leftB-1))
	case leftB == 0:
		return max(0, (1-extra)*shareB+extra*shareA-leftoverCost*float64(leftA-1))
	}
	return max(0, (shareA+shareB)/2-leftoverCost*float64(leftA+leftB))
}

// pairWords pairs the words of two names, best pairs first, and returns
// each name's paired share and its number of unpaired words.
func pairWords(a, b *name, sim func(i, j int) float64) (shareA, shareB float64, leftA, leftB int) {
	var buf [64]pairing
	pairs := buf[:0]
	for i := range min(len(a.toks), 64) {
		for j := range min(len(b.toks), 64) {
			if s := sim(i, j); s > 0 {
				pairs = append(pairs, pairing{i, j, s})
			}
		}
	}
	if len(pairs) == 0 {
		return 0, 0, len(a.toks), len(b.toks)
	}
	slices.SortFunc(pairs, func(x, y pairing) int {
		switch {
		case x.sim > y.sim:
			return -1
		case x.sim < y.sim:
			return 1
		}
		return (x.i-y.i)*64 + (x.j - y.j)
	})
	var usedA, usedB uint64
	var gotA, gotB float64
	n := 0
	for _, p := range pairs {
		if usedA&(1<<p.i) != 0 || usedB&(1<<p.j) != 0 {
			continue
		}
		usedA |= 1 << p.i
		usedB |= 1 << p.j
		gotA += p.sim * tokenWeight(a.toks[p.i])
		gotB += p.sim * tokenWeight(b.toks[p.j])
		n++
	}
	return gotA / a.weight, gotB / b.weight, len(a.toks) - n, len(b.toks) - n
}

// verdict is the score of a designation against one party, with why.
type verdict struct {
	score       float64
	matchedName string
	matched     []string
	conflicts   []string
}

// adjust raises or lowers a name's score by what else the two subjects
// say: birth dates (a person's), countries, kinds. It returns false when
// the kinds rule the pair out (a person is not a company).
func adjust(v *verdict, d, p *subject) bool {
	person := d.kind == tracker.KindPerson || p.kind == tracker.KindPerson
	if d.kind != "" && p.kind != "" && d.kind != p.kind {
		// Said even when it rules the pair out: a shared wallet is a
		// hit all the same, and the analyst should see the kinds differ.
		v.conflicts = append(v.conflicts, "kind ("+string(p.kind)+", "+string(d.kind)+")")
		if person {
			return false
		}
		v.score -= kindConflict
	}
	switch match.CompareDates(d.dates, p.dates) {
	case match.DateExact:
		v.score += dateExactBonus
		v.matched = append(v.matched, "birth date")
	case match.DatePartial:
		v.score += datePartialBonus
		v.matched = append(v.matched, "birth date")
	case match.DateConflict:
		v.score -= dateConflict
		v.conflicts = append(v.conflicts, "birth date")
	}
	if len(d.countries) > 0 && len(p.countries) > 0 {
		if overlaps(d.countries, p.countries) {
			v.score += countryBonus
			v.matched = append(v.matched, "country")
		} else {
			v.score -= countryConflict
			v.conflicts = append(v.conflicts, "country")
		}
	}
	v.score = min(max(v.score, 0), 1)
	return true
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
