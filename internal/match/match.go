package match

import (
	"slices"
	"strings"

	"github.com/cybersanctions/tracker"
)

// Prepared is an entity normalised once for keys and comparisons.
type Prepared struct {
	Entity        *tracker.Entity // nil when decoded from facts
	Kind          tracker.Kind
	Person        bool // a person: compared by name and birth date; else by name and country
	Names         []Name
	Idents        []Ident
	BirthDates    []string // ISO dates, full or partial; unreadable ones left out
	Nationalities []string // folded country names
	Countries     []string // organisations: address countries and nationalities, folded
}

// maxPairTokens bounds the names whose words are paired into keys: a name
// of n words gives n(n-1)/2 keys. Longer names are keyed whole.
const maxPairTokens = 6

// Prepare normalises an entity.
func Prepare(e *tracker.Entity) *Prepared {
	p := &Prepared{Entity: e, Kind: e.Kind, Person: e.Kind == tracker.KindPerson}
	org := !p.Person
	add := func(s string) {
		n := NormaliseName(s, org)
		if len(n.Tokens) == 0 {
			return
		}
		// A person is never keyed or matched on one word: "Baget", an
		// alias, or a lone surname names too many people.
		if p.Person && len(n.Tokens) < 2 {
			return
		}
		if !slices.ContainsFunc(p.Names, func(m Name) bool { return slices.Equal(m.Tokens, n.Tokens) }) {
			p.Names = append(p.Names, n)
		}
	}
	add(e.Name)
	for _, a := range e.Aliases {
		// Weak aliases are, by the publishers' own word, too broad to
		// identify anyone.
		if strings.EqualFold(a.Strength, "weak") {
			continue
		}
		add(a.Name)
	}
	p.Idents = Identifiers(e)
	for _, d := range e.BirthDates {
		if isISODate(d) {
			p.BirthDates = append(p.BirthDates, d)
		}
	}
	p.Nationalities = countries(e.Nationalities)
	if org {
		p.Countries = append(p.Countries, p.Nationalities...)
		// A registration number's country is where the company is.
		for _, id := range e.Identifiers {
			if id.Country != "" {
				p.Countries = append(p.Countries, Country(id.Country))
			}
		}
		for _, a := range e.Addresses {
			if a.Country != "" {
				p.Countries = append(p.Countries, Country(a.Country))
			}
		}
		slices.Sort(p.Countries)
		p.Countries = slices.Compact(p.Countries)
	}
	return p
}

// isISODate accepts YYYY, YYYY-MM and YYYY-MM-DD.
func isISODate(d string) bool {
	if len(d) != 4 && len(d) != 7 && len(d) != 10 {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Keys returns the entity's blocking keys: its strong identifiers, and its
// names — for a person every pair of name-word skeletons (so that a name
// without its patronymic still meets the full one), for anything else the
// whole folded name without its legal form. Two entities are only compared
// when they share a key.
func Keys(p *Prepared) []string {
	var keys []string
	for _, id := range p.Idents {
		keys = append(keys, id.Key())
	}
	for _, n := range p.Names {
		if !p.Person {
			keys = append(keys, "o:"+n.Full())
			continue
		}
		sk := pairable(n)
		if len(sk) > maxPairTokens {
			keys = append(keys, "n:"+n.SkeletonFull())
			continue
		}
		for i := 0; i < len(sk); i++ {
			for j := i + 1; j < len(sk); j++ {
				if sk[i] != sk[j] {
					keys = append(keys, "p:"+sk[i]+" "+sk[j])
				}
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// AppendKeyHashes appends the KeyHash of each of Keys(p) to dst, sorted
// and without repeats, hashing the keys' parts as they are rather than
// building each key: a list's first snapshot has tens of thousands.
func AppendKeyHashes(dst []int64, p *Prepared) []int64 {
	start := len(dst)
	for _, id := range p.Idents {
		dst = append(dst, hashParts("i:", string(id.Class), ":", id.Value))
	}
	for _, n := range p.Names {
		if !p.Person {
			dst = append(dst, hashJoined("o:", n.Tokens))
			continue
		}
		sk := pairable(n)
		if len(sk) > maxPairTokens {
			dst = append(dst, hashJoined("n:", n.Skeletons))
			continue
		}
		for i := 0; i < len(sk); i++ {
			for j := i + 1; j < len(sk); j++ {
				if sk[i] != sk[j] {
					dst = append(dst, hashParts("p:", sk[i], " ", sk[j]))
				}
			}
		}
	}
	slices.Sort(dst[start:])
	return dst[:start+len(slices.Compact(dst[start:]))]
}

// fnvOffset and fnvPrime are FNV-1a's, 64 bits (KeyHash).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// hashParts is KeyHash of the parts joined.
func hashParts(parts ...string) int64 {
	h := uint64(fnvOffset)
	for _, s := range parts {
		h = fnvAdd(h, s)
	}
	return int64(h)
}

// hashJoined is KeyHash of prefix followed by words joined by spaces.
func hashJoined(prefix string, words []string) int64 {
	h := fnvAdd(fnvOffset, prefix)
	for i, w := range words {
		if i > 0 {
			h = fnvAdd(h, " ")
		}
		h = fnvAdd(h, w)
	}
	return int64(h)
}

// particles are name words that join names rather than tell them apart
// (AL, BIN, ABDUL, DE, VAN): in the keys, "AL MUHAMMAD" would make every
// Mohammed al-Anyone a candidate of every other. They still count when
// names are compared.
var particles = map[string]bool{
	"AL": true, "EL": true, "ABD": true, "ABU": true, "ABOU": true, "BIN": true, "BEN": true,
	"IBN": true, "BINT": true, "BINTI": true, "UL": true, "UD": true, "DIN": true, "AD": true,
	"ABDUL": true, "ABDEL": true, "ABDOUL": true, "DE": true, "LA": true, "DA": true, "DI": true,
	"DEL": true, "DER": true, "VAN": true, "VON": true, "DU": true, "LE": true, "Y": true,
}

// pairable returns the skeletons of a person's name words that are not
// particles, sorted, unless that leaves fewer than two.
func pairable(n Name) []string {
	if !slices.ContainsFunc(n.Tokens, func(t string) bool { return particles[t] }) {
		return n.Skeletons
	}
	out := make([]string, 0, len(n.Tokens))
	for _, t := range n.Tokens {
		if !particles[t] {
			out = append(out, Skeleton(t))
		}
	}
	if len(out) < 2 {
		return n.Skeletons
	}
	slices.Sort(out)
	return out
}

// Verdict is what Compare found: whether the two designations are the same
// subject (Strong), how sure (Score, 0 to 1), why (Reasons), and what
// speaks against it (Conflicts). A link is made only for a strong verdict.
type Verdict struct {
	Strong    bool
	Score     float64
	Reasons   []string
	Conflicts []string
}

// Reason is the reasons in one phrase: "same national ID", "same name and
// birth date".
func (v Verdict) Reason() string {
	return strings.Join(v.Reasons, "; ")
}

// Name agreement, from the strongest.
type nameAgreement int

const (
	nameNone    nameAgreement = iota
	nameSubset                // one name's words within the other's: "SEDLETSKI, Valery" in "Valery Veniaminovich SEDLETSKI"
	nameVariant               // same skeletons: Aleksandr/Alexander
	nameExact                 // same folded words, in any order
)

// DateAgreement is how two sets of dates (birth dates) agree.
type DateAgreement int

const (
	DateUnknown  DateAgreement = iota // one side states none
	DateConflict                      // no date of one is compatible with a date of the other
	DatePartial                       // "1985" and "1985-11-12"
	DateExact                         // the same full date
)

// Compare decides whether a and b are the same subject. The rules, in order:
//
//   - never across kinds (a person is not a company);
//   - a shared strong identifier links (a document only when its countries
//     agree or one is unknown), unless the birth dates contradict it;
//   - a person: the same name (exact or a transliteration variant) and a
//     compatible birth date link; a name missing a word (a patronymic)
//     links only on the same full birth date; a contradicting national ID
//     stops the link, and so does a contradicting nationality unless the
//     full name and the full birth date are the same;
//   - an organisation, vessel or aircraft: the same name without its legal
//     form and a shared country link;
//   - a name alone never links.
func Compare(a, b *Prepared) Verdict {
	var v Verdict
	ka, kb := a.Kind, b.Kind
	if ka != "" && kb != "" && ka != kb {
		v.Conflicts = append(v.Conflicts, "different kinds ("+string(ka)+", "+string(kb)+")")
		return v
	}
	dates := CompareDates(a.BirthDates, b.BirthDates)
	if dates == DateConflict {
		v.Conflicts = append(v.Conflicts, "different birth dates")
	}
	natConflict := len(a.Nationalities) > 0 && len(b.Nationalities) > 0 && !overlaps(a.Nationalities, b.Nationalities)
	if natConflict {
		v.Conflicts = append(v.Conflicts, "different nationalities")
	}
	idReason, idConflict := compareIdents(a.Idents, b.Idents)
	if idConflict != "" {
		v.Conflicts = append(v.Conflicts, idConflict)
	}
	names := compareNames(a.Names, b.Names)

	if idReason != "" && dates != DateConflict {
		v.Strong, v.Score = true, 1
		v.Reasons = append(v.Reasons, idReason)
		if names >= nameVariant {
			v.Reasons = append(v.Reasons, "same name")
		}
		return v
	}
	if names == nameNone {
		return v
	}
	if a.Person || b.Person {
		if idConflict != "" {
			return v
		}
		if natConflict {
			// Publishers disagree on the nationality of people from the
			// former Soviet Union often enough (Russia or Ukraine) that
			// the same full name on the same full birth date still links;
			// anything less does not.
			if names == nameExact && dates == DateExact {
				v.Strong, v.Score = true, 0.8
				v.Reasons = append(v.Reasons, "same name and birth date (nationalities differ)")
			}
			return v
		}
		switch {
		case names == nameExact && dates >= DatePartial:
			v.Strong, v.Score = true, 0.9
			v.Reasons = append(v.Reasons, "same name and birth date")
		case names == nameVariant && dates == DateExact:
			v.Strong, v.Score = true, 0.85
			v.Reasons = append(v.Reasons, "same name (spelling variant) and birth date")
		case names == nameSubset && dates == DateExact:
			v.Strong, v.Score = true, 0.8
			v.Reasons = append(v.Reasons, "same names (one without a middle name) and birth date")
		}
		return v
	}
	if names == nameExact && overlaps(a.Countries, b.Countries) {
		v.Strong, v.Score = true, 0.85
		v.Reasons = append(v.Reasons, "same name and country")
	} else if len(a.Countries) > 0 && len(b.Countries) > 0 && !overlaps(a.Countries, b.Countries) {
		v.Conflicts = append(v.Conflicts, "different countries")
	}
	return v
}

func compareNames(a, b []Name) nameAgreement {
	best := nameNone
	for _, x := range a {
		for _, y := range b {
			var got nameAgreement
			switch {
			case slices.Equal(x.Tokens, y.Tokens):
				return nameExact
			case slices.Equal(x.Skeletons, y.Skeletons):
				got = nameVariant
			case len(x.Skeletons) >= 2 && len(y.Skeletons) >= 2 &&
				(subset(x.Skeletons, y.Skeletons) || subset(y.Skeletons, x.Skeletons)):
				got = nameSubset
			}
			best = max(best, got)
		}
	}
	return best
}

// subset: every word of small is in big (both sorted).
func subset(small, big []string) bool {
	if len(small) > len(big) {
		return false
	}
	j := 0
	for _, s := range small {
		for j < len(big) && big[j] < s {
			j++
		}
		if j == len(big) || big[j] != s {
			return false
		}
		j++
	}
	return true
}

// CompareDates is the best agreement between any two of the dates (ISO,
// full or partial), a partial date agreeing with every full date it is the
// start of. Linking and screening read birth dates alike.
func CompareDates(a, b []string) DateAgreement {
	if len(a) == 0 || len(b) == 0 {
		return DateUnknown
	}
	best := DateConflict
	for _, x := range a {
		for _, y := range b {
			switch {
			case x == y && len(x) == 10:
				return DateExact
			case strings.HasPrefix(x, y) || strings.HasPrefix(y, x):
				best = DatePartial
			}
		}
	}
	return best
}

// compareIdents returns the reason of a shared strong identifier, or a
// conflict: both sides give a national ID of the same country and none is
// the same. Passports are not compared so: a person holds several over the
// years, and lists publish different ones.
func compareIdents(a, b []Ident) (reason, conflict string) {
	for _, x := range a {
		for _, y := range b {
			if x.Class != y.Class || x.Value != y.Value {
				continue
			}
			if x.Class == ClassDocument && len(x.Countries) > 0 && len(y.Countries) > 0 && !overlaps(x.Countries, y.Countries) {
				continue
			}
			return identReason(x, y), ""
		}
	}
	// No number is shared: two national IDs of one country are two people.
	for _, x := range a {
		if !isNationalID(x) || len(x.Countries) == 0 {
			continue
		}
		for _, y := range b {
			if isNationalID(y) && overlaps(x.Countries, y.Countries) {
				return "", "different national ID numbers"
			}
		}
	}
	return "", ""
}

func isNationalID(i Ident) bool {
	return i.Class == ClassDocument && strings.Contains(strings.ToLower(i.Type), "national")
}

func identReason(x, y Ident) string {
	switch x.Class {
	case ClassWallet:
		return "same wallet address"
	case ClassIMO:
		return "same IMO number"
	case ClassUNRef:
		return "same UN reference"
	case ClassUKRef:
		return "same UK Sanctions List reference"
	}
	nx, ny := isNationalID(x), isNationalID(y)
	switch {
	case nx && ny:
		return "same national ID"
	case !nx && !ny:
		return "same passport"
	}
	return "same passport/ID number"
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// linkFields are the entity fields Prepare reads, as internal/diff names
// them in a change's field list.
var linkFields = map[string]bool{
	"name": true, "kind": true, "aliases": true, "birth_dates": true, "nationalities": true,
	"addresses": true, "identifiers": true, "attrs." + attrUKRef: true, "attrs." + attrUNRef: true,
}

// Reads reports whether Prepare reads a field (named as a change's field
// list names it): an amendment of no such field leaves the entity's facts,
// keys and links what they were.
func Reads(field string) bool { return linkFields[field] }
