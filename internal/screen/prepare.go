package screen

import (
	"slices"
	"strings"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/match"
)

// subject is a party or a designation normalised once for screening: the
// same folding, transliteration and legal-form words as cross-list
// linking (internal/match), kept with each name's display form so that a
// hit can say which name matched.
type subject struct {
	kind      tracker.Kind
	names     []name
	dates     []string // ISO, full or partial
	countries []string // match.Country-folded: nationalities, addresses, documents
	wallets   []string // match.WalletAddress-normalised
	idents    []string // match.DocumentNumbers-normalised
}

// name is one name of a subject: its words folded, legal forms and joining
// words taken off for an organisation, each word once, in a fixed order
// (token order never matters: "ZHAO Guangzong" is "Guangzong ZHAO").
type name struct {
	display string
	toks    []string
	skels   []string // match.Skeleton of each word, parallel to toks
	weight  float64  // sum of the words' weights
	ids     []uint32 // a party's words in the index's vocabulary, parallel to toks
}

// orgStopWords join an organisation's name without telling it apart:
// "SCIENCE AND TECHNOLOGY", "BANK OF X".
var orgStopWords = map[string]bool{"AND": true, "OF": true, "FOR": true, "THE": true}

// misspeltLegal are the long legal-form words, to be recognised with a
// typo too ("LIMITED LIABILITY COMPANI"): match takes off only the exact
// words.
var misspeltLegal = []string{"COMPANY", "LIMITED", "LIABILITY", "CORPORATION", "INCORPORATED",
	"OBSHCHESTVO", "AKTSIONERNOE", "OTVETSTVENNOSTYU", "OGRANICHENNOY"}

// jointStock are the words of "(PUBLIC|CLOSED|OPEN) JOINT STOCK COMPANY"
// left when its last word was misspelt.
var jointStock = map[string]bool{"JOINT": true, "STOCK": true, "PUBLIC": true, "CLOSED": true, "OPEN": true, "PRIVATE": true}

// dropOrgWords takes off an organisation name's joining words and its
// legal-form words misspelt.
func dropOrgWords(toks []string) []string {
	stock := slices.ContainsFunc(toks, func(t string) bool { return alike(t, "JOINT") }) &&
		slices.ContainsFunc(toks, func(t string) bool { return alike(t, "STOCK") })
	return slices.DeleteFunc(slices.Clone(toks), func(t string) bool {
		if orgStopWords[t] || stock && (jointStock[t] || alike(t, "JOINT") || alike(t, "STOCK")) {
			return true
		}
		for _, w := range misspeltLegal {
			if alike(t, w) {
				return true
			}
		}
		return false
	})
}

// alike: t is w, or w misspelt as tokenSim judges a typo (five letters
// or more).
func alike(t, w string) bool {
	return t == w || len(t) >= 5 && typoSim(t, w) > 0
}

// newName normalises one name; ok is false when nothing is left of it.
func newName(display string, org bool) (name, bool) {
	n := match.NormaliseName(display, org)
	toks := n.Tokens
	if org {
		toks = dropOrgWords(toks)
		if len(toks) == 0 {
			toks = n.Tokens
		}
	}
	if len(toks) == 0 {
		return name{}, false
	}
	out := name{display: display, toks: toks, skels: make([]string, len(toks))}
	for i, t := range toks {
		out.skels[i] = match.Skeleton(t)
		out.weight += tokenWeight(t)
	}
	return out, true
}

// tokenWeight is how much a word counts in a name: its length, so that
// "AL" or an initial weighs less than "XIAORUIZHI", up to a cap so that
// one long word does not drown the others.
func tokenWeight(t string) float64 { return float64(min(len(t), 10)) }

// addName appends a name unless the subject already has the same words.
func (s *subject) addName(display string) {
	n, ok := newName(display, s.kind != tracker.KindPerson)
	if !ok {
		return
	}
	for _, m := range s.names {
		if slices.Equal(m.toks, n.toks) {
			return
		}
	}
	s.names = append(s.names, n)
}

// prepareParty normalises a counterparty. A party whose kind the file
// does not give is read as an organisation (legal forms off), which
// costs a person's name nothing: LTD or GMBH are not first names.
func prepareParty(p *Party) subject {
	s := subject{kind: p.Kind}
	s.addName(p.Name)
	for _, a := range p.Aliases {
		s.addName(a)
	}
	if p.BirthDate != "" {
		s.dates = []string{p.BirthDate}
	}
	if c := match.Country(p.Country); c != "" {
		s.countries = []string{c}
	}
	for _, w := range p.Wallets {
		if v := match.WalletAddress(w); v != "" {
			s.wallets = append(s.wallets, v)
		}
	}
	for _, id := range p.Identifiers {
		s.idents = append(s.idents, match.DocumentNumbers(id)...)
	}
	return s
}

// prepareDesignation normalises a designation: its primary name and every
// alias but the weak ones (too broad, by the publishers' own word), its
// birth dates, every country it is tied to, its wallets and the numbers of
// all its identifiers (documents, registrations, IMO, the UK and UN
// references).
func prepareDesignation(e *tracker.Entity) subject {
	s := subject{kind: e.Kind}
	s.addName(e.Name)
	for _, a := range e.Aliases {
		if !strings.EqualFold(a.Strength, "weak") {
			s.addName(a.Name)
		}
	}
	for _, d := range e.BirthDates {
		if ValidDate(d) {
			s.dates = append(s.dates, d)
		}
	}
	add := func(c string) {
		if c = match.Country(c); c != "" && !slices.Contains(s.countries, c) {
			s.countries = append(s.countries, c)
		}
	}
	for _, c := range e.Nationalities {
		add(c)
	}
	for _, a := range e.Addresses {
		add(a.Country)
	}
	for _, id := range e.Identifiers {
		add(id.Country)
	}
	for _, id := range match.Identifiers(e) {
		switch id.Class {
		case match.ClassWallet:
			s.wallets = append(s.wallets, id.Value)
		case match.ClassDocument:
		default:
			s.idents = append(s.idents, id.Value)
		}
	}
	for _, id := range e.Identifiers {
		if !isWalletType(id.Type) {
			s.idents = append(s.idents, match.DocumentNumbers(id.Value)...)
		}
	}
	slices.Sort(s.idents)
	s.idents = slices.Compact(s.idents)
	return s
}

func isWalletType(t string) bool {
	t = strings.ToLower(t)
	return strings.Contains(t, "digital currency address") || strings.Contains(t, "wallet")
}
